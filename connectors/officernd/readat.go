package officernd

import (
	"time"

	"doorsync/connectors"
)

// readTime is when the oldest platform data behind a record was read
// (connectors.Record.ReadAt): the earliest send time of the requests an
// operation's records were built from, the fill time of every cache entry
// they used, and for a webhook the event's own time. A read made after
// doorsync last wrote an entity supersedes it whatever the versions say, so
// a ReadAt later than any of its data would let an old cache entry or a
// late delivery overwrite fresher state. A part of unknown age (a payload
// without createdAt) makes the whole read unknown: ReadAt zero, and the
// version alone decides.
type readTime struct {
	at      time.Time
	unknown bool
}

// add takes in data read at t; a zero t is data of unknown age.
func (r *readTime) add(t time.Time) {
	switch {
	case t.IsZero():
		r.unknown = true
	case r.at.IsZero() || t.Before(r.at):
		r.at = t
	}
}

// merge takes in everything o took in.
func (r *readTime) merge(o readTime) {
	if o.unknown {
		r.unknown = true
	}
	if !o.at.IsZero() {
		r.add(o.at)
	}
}

// time is the ReadAt of what was taken in: zero when a part's age is
// unknown (or nothing was).
func (r readTime) time() time.Time {
	if r.unknown {
		return time.Time{}
	}
	return r.at
}

// stamp sets every record's ReadAt.
func stamp(recs []connectors.Record, at time.Time) {
	for i := range recs {
		recs[i].ReadAt = at
	}
}

// eventTime is when a webhook's event happened (the envelope's createdAt):
// the age of the data.object it carries, whenever it is delivered. Zero
// when absent or unreadable; never later than now (a platform clock ahead
// of doorsync's).
func eventTime(createdAt string, now time.Time) time.Time {
	t, ok := parseTime(createdAt)
	if !ok {
		return time.Time{}
	}
	if t.After(now) {
		return now
	}
	return t
}
