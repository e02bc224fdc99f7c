package rollout

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Event budget of one Wait (issue 15: a 1,000-pod release makes thousands of events).
//
// Normal events are printed one per line until eventsPerWait of them were printed in the Wait,
// or eventsPerWindow events (of either type) in the current eventWindow; the others are
// counted by reason. Warning events are not held by that budget, but each object prints at
// most warningsPerObject lines per reason (count increments of one event included), and each
// reason is printed for at most warningObjects objects: the same warning on many pods is then
// counted by reason and object. The counts are printed at most every eventWindow, once the
// oldest of them is that old, and at the end of the Wait:
//
//	events: 412 more in the last 10s: 300 Scheduled, 100 Pulled, 12 Started
//	events: 120 more warnings in the last 10s: 118 Unhealthy on 118 objects, 2 BackOff on 1 object
//
// Events held back still count for FailedCreate verdicts, and Warning ones are still kept for
// the failure report.
const (
	eventsPerWait     = 50
	eventsPerWindow   = 30
	eventWindow       = 10 * time.Second
	warningsPerObject = 3
	warningObjects    = 10
	summaryReasons    = 6 // reasons named in a summary line; the rest are "other"
)

type eventBudget struct {
	printed  int       // Normal events printed in the Wait
	window   time.Time // start of the rate window
	inWindow int       // events printed in it
	lines    map[string]int
	objects  map[string]map[string]bool // reason → objects whose warnings of it were printed

	first    time.Time      // when the oldest held event arrived
	normal   map[string]int // reason → Normal events held since the last summary
	warnings map[string]int
	warnObjs map[string]map[string]bool
}

func newEventBudget(start time.Time) *eventBudget {
	return &eventBudget{window: start, lines: map[string]int{}, objects: map[string]map[string]bool{},
		normal: map[string]int{}, warnings: map[string]int{}, warnObjs: map[string]map[string]bool{}}
}

// admit reports whether an event is printed now; one that is not is counted for the summary.
func (b *eventBudget) admit(warning bool, reason, obj string, now time.Time) bool {
	if now.Sub(b.window) >= eventWindow {
		b.window, b.inWindow = now, 0
	}
	if warning {
		printed := addSet(b.objects, reason, "")
		if b.lines[obj+"|"+reason] >= warningsPerObject || (!printed[obj] && len(printed) >= warningObjects) {
			b.hold(now)
			b.warnings[reason]++
			addSet(b.warnObjs, reason, obj)
			return false
		}
		b.lines[obj+"|"+reason]++
		printed[obj] = true
		b.inWindow++
		return true
	}
	if b.printed >= eventsPerWait || b.inWindow >= eventsPerWindow {
		b.hold(now)
		b.normal[reason]++
		return false
	}
	b.printed++
	b.inWindow++
	return true
}

func (b *eventBudget) hold(now time.Time) {
	if len(b.normal)+len(b.warnings) == 0 {
		b.first = now
	}
}

// addSet returns the set m[key], made if missing, with item added (unless "").
func addSet(m map[string]map[string]bool, key, item string) map[string]bool {
	s := m[key]
	if s == nil {
		s = map[string]bool{}
		m[key] = s
	}
	if item != "" {
		s[item] = true
	}
	return s
}

// summary returns the summary lines due at now: when events were held for eventWindow, or
// whatever was held when final.
func (b *eventBudget) summary(now time.Time, final bool) []string {
	if len(b.normal)+len(b.warnings) == 0 || (!final && now.Sub(b.first) < eventWindow) {
		return nil
	}
	span := max((now.Sub(b.first) + time.Second - 1).Truncate(time.Second), time.Second)
	var out []string
	if n, list := tally(b.normal, nil); n > 0 {
		out = append(out, fmt.Sprintf("events: %d more in the last %s: %s", n, span, list))
	}
	if n, list := tally(b.warnings, b.warnObjs); n > 0 {
		out = append(out, fmt.Sprintf("events: %d more warnings in the last %s: %s", n, span, list))
	}
	b.normal, b.warnings, b.warnObjs = map[string]int{}, map[string]int{}, map[string]map[string]bool{}
	return out
}

// tally lists counts by reason, the largest first, with their objects when given.
func tally(counts map[string]int, objects map[string]map[string]bool) (int, string) {
	reasons := make([]string, 0, len(counts))
	total := 0
	for r, n := range counts {
		reasons = append(reasons, r)
		total += n
	}
	sort.Slice(reasons, func(i, j int) bool {
		a, b := reasons[i], reasons[j]
		return counts[a] > counts[b] || counts[a] == counts[b] && a < b
	})
	var parts []string
	other := 0
	for i, r := range reasons {
		switch {
		case i >= summaryReasons:
			other += counts[r]
		case objects != nil:
			parts = append(parts, fmt.Sprintf("%d %s on %s", counts[r], r, plural(len(objects[r]), "object")))
		default:
			parts = append(parts, fmt.Sprintf("%d %s", counts[r], r))
		}
	}
	if other > 0 {
		parts = append(parts, fmt.Sprintf("%d of %s", other, plural(len(reasons)-summaryReasons, "other reason")))
	}
	return total, strings.Join(parts, ", ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
