-- A pending hold no operator decided expires (the org's
-- removal_guard.hold_expires_after, 72 h by default): its removals stay
-- unmade, the hold stays listed with its problem, and it no longer blocks
-- the group's other removals. An operator may still approve or reject it.
alter table removal_holds drop constraint removal_holds_status_check;
alter table removal_holds add constraint removal_holds_status_check
    check (status in ('pending', 'approved', 'rejected', 'applied', 'expired'));
alter table removal_holds add column expired_at timestamptz;

---- create above / drop below ----

-- Each group's latest expired hold is pending again unless the group has
-- one; the others are rejected.
update removal_holds h set status = 'pending', expired_at = null where status = 'expired'
    and not exists (select 1 from removal_holds p where p.org_id = h.org_id and p.site_id = h.site_id
                    and p.group_id = h.group_id and p.status = 'pending')
    and h.id = (select e.id from removal_holds e where e.org_id = h.org_id and e.site_id = h.site_id
                and e.group_id = h.group_id and e.status = 'expired' order by e.created_at desc, e.id desc limit 1);
update removal_holds set status = 'rejected', decided_at = expired_at where status = 'expired';
alter table removal_holds drop column expired_at;
alter table removal_holds drop constraint removal_holds_status_check;
alter table removal_holds add constraint removal_holds_status_check
    check (status in ('pending', 'approved', 'rejected', 'applied'));
