package main

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// measureQueue starts n deploys of the same release at once (as n workflows would) and adds,
// for each consecutive pair of lock holders, the time from the first starting its Release lock
// step to the next holding the Lease. All n processes share the 2 cores, so this is the
// hand-off under load.
func measureQueue(ctx context.Context, r *runner, n int, inputs func(msg, extra string) map[string]string, out *stats) error {
	procs := make([]*proc, n)
	for i := range procs {
		p, err := r.start(fmt.Sprintf("queue-%d", i), inputs(fmt.Sprintf("q-%d", i), ""))
		if err != nil {
			return err
		}
		procs[i] = p
	}
	type held struct{ hold, release time.Time }
	var spans []held
	for _, p := range procs {
		if err := p.wait(ctx); err != nil {
			return err
		}
		hold, err := p.waitLine(ctx, "holding Lease")
		if err != nil {
			return err
		}
		rel, err := p.waitLine(ctx, "::group::Release lock")
		if err != nil {
			return err
		}
		spans = append(spans, held{hold.At, rel.At})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].hold.Before(spans[j].hold) })
	for i := 1; i < len(spans); i++ {
		gap := spans[i].hold.Sub(spans[i-1].release)
		if gap < 0 {
			return fmt.Errorf("two processes held the lock at once: holder %d took it %s before holder %d released it", i, -gap, i-1)
		}
		out.add(gap)
	}
	return nil
}
