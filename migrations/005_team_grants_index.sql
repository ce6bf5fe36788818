-- Memberships and day passes held by a whole team, found per team without
-- walking the team's members (a member write asks whether their team has
-- any: see store.memberConcerned).
create index entities_team_grants_idx on entities (org_id, team_id)
    where kind in ('membership', 'day_pass') and team_id is not null;

---- create above / drop below ----

drop index entities_team_grants_idx;
