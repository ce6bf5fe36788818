package saltokstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// schedule is an access group's time schedule (reference §5.4).
type schedule struct {
	id                 string
	days               [7]bool // monday … sunday
	startTime, endTime string  // HH:MM:SS
	startDate, endDate string  // as given; "" means open
}

var weekdays = [7]string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// alwaysSchedule is the "Always" time frame coworking admins set.
func alwaysSchedule() *schedule {
	return &schedule{id: newID(), days: [7]bool{true, true, true, true, true, true, true}, startTime: "00:00:00", endTime: "23:59:59"}
}

func (s *Server) scheduleRoutes(mux *http.ServeMux) {
	const ts = "/{version}/sites/{site_id}/access_groups/{group_id}/time_schedules"
	s.connect(mux, "GET "+ts, withGroup(listSchedules))
	s.connect(mux, "POST "+ts, withGroup(createSchedule))
	s.connect(mux, "PATCH "+ts+"/{schedule_id}", withGroup(patchSchedule))
	s.connect(mux, "DELETE "+ts+"/{schedule_id}", withGroup(deleteSchedule))
}

func listSchedules(c *call, g *group) response {
	items := make([]any, 0, g.schedules.len())
	for _, sc := range g.schedules.values() {
		items = append(items, scheduleWire(sc))
	}
	return jsonResponse(http.StatusOK, envelope{Items: items})
}

// createSchedule is POST …/time_schedules: 200 with the schedule and its id.
func createSchedule(c *call, g *group) response {
	sc := &schedule{id: newID(), startTime: "00:00:00", endTime: "23:59:59"}
	if bad := c.applySchedule(sc); bad != nil {
		return *bad
	}
	g.schedules.put(sc.id, sc)
	return jsonResponse(http.StatusOK, scheduleWire(sc))
}

func patchSchedule(c *call, g *group) response {
	old, ok := g.schedules.get(strings.ToLower(c.param("schedule_id")))
	if !ok {
		return *errorResponse(http.StatusNotFound, codeNotFound, "Time schedule not found")
	}
	sc := *old
	if bad := c.applySchedule(&sc); bad != nil {
		return *bad
	}
	*old = sc
	return jsonResponse(http.StatusOK, scheduleWire(old))
}

func deleteSchedule(c *call, g *group) response {
	if !g.schedules.del(strings.ToLower(c.param("schedule_id"))) {
		return *errorResponse(http.StatusNotFound, codeNotFound, "Time schedule not found")
	}
	return emptyResponse(http.StatusNoContent)
}

// applySchedule merges the body into sc and validates the result: a "days"
// array or no weekday is 400 1101 "At least one day should be selected"
// (measured); HH:MM becomes HH:MM:SS; start must precede end.
func (c *call) applySchedule(sc *schedule) *response {
	var raw map[string]json.RawMessage
	if bad := c.decode(&raw); bad != nil {
		return bad
	}
	if _, ok := raw["days"]; ok {
		return errorResponse(http.StatusBadRequest, codeValidation, "At least one day should be selected")
	}
	if err := mergeSchedule(sc, raw); err != nil {
		return errorResponse(http.StatusBadRequest, codeValidation, err.Error())
	}
	return validateSchedule(sc)
}

func mergeSchedule(sc *schedule, raw map[string]json.RawMessage) error {
	for i, day := range weekdays {
		if v, ok := raw[day]; ok {
			if err := json.Unmarshal(v, &sc.days[i]); err != nil {
				return fmt.Errorf("The field %s is not valid.", day)
			}
		}
	}
	for key, dst := range map[string]*string{"start_time": &sc.startTime, "end_time": &sc.endTime} {
		if v, ok := raw[key]; ok {
			var t string
			if json.Unmarshal(v, &t) != nil {
				return fmt.Errorf("The field %s is not valid.", key)
			}
			norm, err := normaliseTime(t)
			if err != nil {
				return fmt.Errorf("The field %s is not valid.", key)
			}
			*dst = norm
		}
	}
	for key, dst := range map[string]*string{"start_date": &sc.startDate, "end_date": &sc.endDate} {
		if v, ok := raw[key]; ok {
			var d *string
			if json.Unmarshal(v, &d) != nil || (d != nil && !parsesAsDate(*d)) {
				return fmt.Errorf("The field %s is not valid.", key)
			}
			*dst = deref(d)
		}
	}
	return nil
}

func validateSchedule(sc *schedule) *response {
	if sc.days == [7]bool{} {
		return errorResponse(http.StatusBadRequest, codeValidation, "At least one day should be selected")
	}
	if sc.startTime >= sc.endTime {
		return errorResponse(http.StatusBadRequest, codeValidation, "The start time must be before the end time.")
	}
	if sc.startDate != "" && sc.endDate != "" && dateValue(sc.startDate) >= dateValue(sc.endDate) {
		return errorResponse(http.StatusBadRequest, codeValidation, "The start date must be before the end date.")
	}
	return nil
}

// normaliseTime accepts HH:MM and HH:MM:SS.
func normaliseTime(s string) (string, error) {
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("15:04:05"), nil
		}
	}
	return "", fmt.Errorf("bad time %q", s)
}

// dateLayouts are the date forms integrators were seen to send.
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

func parsesAsDate(s string) bool { return dateValue(s) != "" }

// dateValue renders a date as a comparable naive wall-clock string.
func dateValue(s string) string {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02T15:04:05")
		}
	}
	return ""
}

func scheduleWire(sc *schedule) any {
	out := map[string]any{
		"id": sc.id, "start_time": sc.startTime, "end_time": sc.endTime,
		"start_date": optional(sc.startDate), "end_date": optional(sc.endDate),
	}
	for i, day := range weekdays {
		out[day] = sc.days[i]
	}
	return out
}
