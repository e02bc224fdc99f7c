package lock

import (
	"errors"
	"math"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// Defaults.
const (
	DefaultTTL      = 60 * time.Second
	apiCallTimeout  = 10 * time.Second
	releaseTimeout  = 5 * time.Second
	maxRetryBackoff = 8 * time.Second
)

// Options configures Acquire.
type Options struct {
	Client    kubernetes.Interface
	Namespace string
	Release   string
	Holder    Holder
	// TTL is the Lease duration (default 60s): a Lease unchanged for this
	// long, as seen on a waiter's own clock, may be taken over.
	TTL time.Duration
	// RenewEvery is the renewal period (default TTL/3).
	RenewEvery time.Duration
	// Clock defaults to the real clock; tests pass a fake one.
	Clock clock.Clock
	// OnWait is called when the lock is found held, and again whenever the
	// holder changes while waiting. It runs on Acquire's goroutine and
	// should return quickly.
	OnWait func(Info)
}

// Info describes a holder as recorded on the Lease. Acquired and Renewed are
// the holder's own timestamps: shown to people, never compared with the
// local clock.
type Info struct {
	Identity        string
	Annotations     map[string]string
	Acquired        time.Time
	Renewed         time.Time
	DurationSeconds int32
	// Silent is how long the holder has not written the Lease, on the API server's clock
	// (0: unknown).
	Silent time.Duration
}

// RunURL is the holder's run URL from the Lease annotations, if any.
func (i Info) RunURL() string { return i.Annotations[AnnotationRunURL] }

func (o Options) withDefaults() (Options, error) {
	var errs []error
	if o.Client == nil {
		errs = append(errs, errors.New("lock: no Kubernetes client"))
	}
	if strings.TrimSpace(o.Namespace) == "" {
		errs = append(errs, errors.New("lock: no namespace"))
	}
	if strings.TrimSpace(o.Release) == "" {
		errs = append(errs, errors.New("lock: no release name"))
	}
	if o.TTL < 0 || o.RenewEvery < 0 {
		errs = append(errs, errors.New("lock: negative TTL or renewal period"))
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.RenewEvery == 0 {
		o.RenewEvery = o.TTL / 3
	}
	if o.RenewEvery >= o.TTL {
		errs = append(errs, errors.New("lock: renewal period must be shorter than the TTL"))
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	return o, errors.Join(errs...)
}

// ttlSeconds rounds the TTL up to whole seconds (at least 1).
func (o Options) ttlSeconds() int32 {
	s := math.Ceil(o.TTL.Seconds())
	if s < 1 {
		s = 1
	}
	if s > math.MaxInt32 {
		s = math.MaxInt32
	}
	return int32(s)
}

func infoOf(l *coordinationv1.Lease) Info {
	var i Info
	if l.Spec.HolderIdentity != nil {
		i.Identity = *l.Spec.HolderIdentity
	}
	if len(l.Annotations) > 0 {
		i.Annotations = make(map[string]string, len(l.Annotations))
		for k, v := range l.Annotations {
			i.Annotations[k] = v
		}
	}
	if l.Spec.AcquireTime != nil {
		i.Acquired = l.Spec.AcquireTime.Time
	}
	if l.Spec.RenewTime != nil {
		i.Renewed = l.Spec.RenewTime.Time
	}
	if l.Spec.LeaseDurationSeconds != nil {
		i.DurationSeconds = *l.Spec.LeaseDurationSeconds
	}
	return i
}

// observer implements client-go leader election's observedTime: the local
// time at which the current Lease record was first seen. A held Lease is
// stale once it stayed unchanged for its full duration on this clock.
type observer struct {
	key    string
	holder string
	seenAt time.Time
	dur    time.Duration
}

// observe records the Lease at local time now; it reports whether the
// holder differs from the previously observed one (or is seen first).
func (o *observer) observe(l *coordinationv1.Lease, now time.Time, fallback time.Duration) (newHolder bool) {
	info := infoOf(l)
	key := strings.Join([]string{l.ResourceVersion, info.Identity, info.Renewed.String(), info.Acquired.String()}, "|")
	newHolder = o.key == "" || info.Identity != o.holder
	if key != o.key {
		o.key, o.holder, o.seenAt = key, info.Identity, now
	}
	o.dur = fallback
	if info.DurationSeconds > 0 {
		o.dur = time.Duration(info.DurationSeconds) * time.Second
	}
	return newHolder
}

// silentFor moves the observation back to when the holder last wrote, as measured on the
// server (silence before local time now), so the record turns stale a full duration after that
// write rather than after this process first saw it.
func (o *observer) silentFor(silence time.Duration, now time.Time) {
	if at := now.Add(-silence); at.Before(o.seenAt) {
		o.seenAt = at
	}
}

// staleAt is when the observed record becomes stale if nothing changes.
func (o *observer) staleAt() time.Time { return o.seenAt.Add(o.dur) }

// stale reports whether the record stayed unchanged for its full duration.
func (o *observer) stale(now time.Time) bool { return !now.Before(o.staleAt()) }
