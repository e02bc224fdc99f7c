package rollout

import corev1 "k8s.io/api/core/v1"

// Log budget (issue 15: a 1,000-pod release must not open 1,000 log streams).
//
// With Logs=all, pods are chosen for logs in the order the tracker sees them (targets by
// name, pods by name), at most MaxPodsPerWorkload per workload and MaxLogStreams over the
// release; a chosen pod stays chosen for the Wait. The first time MaxLogStreams turns a pod
// away, one line says "logs: following N of M pods (max-log-streams)", and the end of the
// Wait prints the final counts once if they changed since.
//
// Failing pods (podFailing) are always chosen, above both limits. Their streams have
// priority: when MaxLogStreams streams are already held, a failing pod's stream takes the
// slot of the most recently started healthy stream, which is closed first (so no more than
// MaxLogStreams streams are ever open) and resumes at its last printed line once a slot is
// free again. When every slot holds a failing pod's stream, further failing containers get
// no stream but still their crashed instance's last lines (LogLinesOnFailure, read once, at
// most MaxLogStreams such reads at a time). With Logs=failed there are no streams at all:
// every failing pod's crash dumps are printed and the limits do not apply.

// observe chooses the target's pods for logs and starts their streams and crash dumps.
func (l *logFollower) observe(tg *target) {
	if l.t.opts.Logs == LogsNone {
		return
	}
	chosen := l.podsOf[tg.res]
	if chosen == nil {
		chosen = map[string]bool{}
		l.podsOf[tg.res] = chosen
	}
	for _, p := range tg.pods {
		key := p.Namespace + "/" + p.Name
		l.seen[key] = true
		failing := podFailing(p, l.only)
		if !l.admit(tg, chosen, p, key, failing) {
			continue
		}
		for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
			for _, cs := range list {
				if l.only == nil || l.only[cs.Name] {
					l.observeContainer(p, cs, failing)
				}
			}
		}
	}
}

// admit reports whether the pod is followed, choosing it if the limits allow.
func (l *logFollower) admit(tg *target, chosen map[string]bool, p *corev1.Pod, key string, failing bool) bool {
	o := l.t.opts
	switch {
	case l.followed[key]:
		return true
	case failing || o.Logs != LogsAll:
	case o.MaxLogStreams > 0 && len(l.followed) >= o.MaxLogStreams:
		l.capHit = true // reported by note, once the pass has seen every pod
		return false
	case len(chosen) >= o.MaxPodsPerWorkload:
		if !l.capped[tg.res] {
			l.capped[tg.res] = true
			l.t.println("logs: following %d pods of %s at most (max pods per workload); pod %s and later ones are not followed",
				o.MaxPodsPerWorkload, tg.res, p.Name)
		}
		return false
	}
	chosen[p.Name] = true
	l.followed[key] = true
	return true
}

// note prints the max-log-streams line the first time the limit turned a pod away; run calls
// it after each pass over the targets, so M counts every pod seen so far.
func (l *logFollower) note() {
	if !l.capHit || l.noted != [2]int{} {
		return
	}
	l.noted = [2]int{len(l.followed), len(l.seen)}
	l.t.println("logs: following %d of %d pods (max-log-streams); the failing pods are always followed", l.noted[0], l.noted[1])
}

// finalNote prints the counts at the end of the Wait if they changed since the first line.
func (l *logFollower) finalNote() {
	if !l.capHit {
		return
	}
	if l.noted == [2]int{} {
		l.note()
		return
	}
	if now := [2]int{len(l.followed), len(l.seen)}; now != l.noted {
		l.t.println("logs: followed %d of %d pods (max-log-streams); the failing pods are always followed", now[0], now[1])
	}
}

// podFailing reports whether a pod's logs likely explain a failure: one of its followed
// containers restarted, is in CrashLoopBackOff, or exited with an error (OOMKilled
// included), or the pod failed.
func podFailing(p *corev1.Pod, only map[string]bool) bool {
	if p.Status.Phase == corev1.PodFailed {
		return true
	}
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			if only != nil && !only[cs.Name] {
				continue
			}
			w, t := cs.State.Waiting, cs.State.Terminated
			switch {
			case cs.RestartCount > 0,
				w != nil && w.Reason == "CrashLoopBackOff",
				t != nil && (t.ExitCode != 0 || t.Reason == "OOMKilled"):
				return true
			}
		}
	}
	return false
}

// streamSlots bounds the follow streams held at once (max <= 0: no bound).
type streamSlots struct {
	max  int
	seq  int
	held map[*stream]int // → order of acquisition
}

func newStreamSlots(n int) streamSlots {
	return streamSlots{max: n, held: map[*stream]int{}}
}

// acquire gives st a slot. When none is free and st is failing, it takes the slot of the
// most recently started healthy stream and returns it as victim: the caller stops it.
func (s *streamSlots) acquire(st *stream) (victim *stream, ok bool) {
	if s.max > 0 && len(s.held) >= s.max {
		if !st.failing {
			return nil, false
		}
		for h, n := range s.held {
			if !h.failing && (victim == nil || n > s.held[victim]) {
				victim = h
			}
		}
		if victim == nil {
			return nil, false
		}
		delete(s.held, victim)
	}
	s.seq++
	s.held[st] = s.seq
	return victim, true
}

// release frees st's slot (nothing when it was taken from it).
func (s *streamSlots) release(st *stream) { delete(s.held, st) }

// printPrevious prints the last lines of a crashed container instance. At
// most MaxLogStreams of these reads run at once; the others wait their turn.
func (l *logFollower) printPrevious(ns, pod, container string, restarts int32, last *corev1.ContainerStateTerminated) {
	defer l.wg.Done()
	if l.tails != nil {
		select {
		case l.tails <- struct{}{}:
			defer func() { <-l.tails }()
		case <-l.ctx.Done():
			return
		}
	}
	lines, err := tailLogs(l.ctx, l.t, ns, pod, container, true)
	if err != nil {
		if l.ctx.Err() == nil {
			l.t.println("logs: %s/%s crashed (%s) but its previous logs could not be read: %v", pod, container, terminatedMessage(last), err)
		}
		return
	}
	l.t.println("logs: %s/%s crashed (%s, restart %d); its last %d lines:", pod, container, terminatedMessage(last), restarts, len(lines))
	for _, line := range lines {
		l.printLine(pod+"/"+container+" | ", line)
	}
}
