package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/helmdeploy/helm-deploy-action/internal/mask"
	"github.com/helmdeploy/helm-deploy-action/internal/safetext"
)

// Log prints to the job log through the Actions toolkit. Everything except the add-mask
// commands themselves goes through the masker, so a secret registered with Mask is replaced by
// *** here too, before the runner's own masking.
type Log struct {
	raw    *githubactions.Action // writes unmasked: only for ::add-mask::
	act    *githubactions.Action // writes through the masker
	masker *mask.Masker
}

// NewLog returns a Log writing to w and reading the file-command paths with getenv.
func NewLog(w io.Writer, getenv func(string) string) *Log {
	m := &mask.Masker{W: w}
	return &Log{
		raw:    githubactions.New(githubactions.WithWriter(w), githubactions.WithGetenv(getenv)),
		act:    githubactions.New(githubactions.WithWriter(m), githubactions.WithGetenv(getenv)),
		masker: m,
	}
}

// Mask registers secrets with the runner and with our own masker. Each line of a multi-line
// secret is registered too, since the runner masks line by line (except PEM armour lines such
// as "-----BEGIN PRIVATE KEY-----", which are no secret).
func (l *Log) Mask(secrets ...string) {
	for _, s := range secrets {
		if strings.TrimSpace(s) == "" {
			continue
		}
		for _, v := range append([]string{s}, strings.Split(s, "\n")...) {
			v = strings.TrimSpace(v)
			if len(v) < 3 || strings.HasPrefix(v, "-----") || !l.masker.Add(v) {
				continue // too short to mask without destroying the log, or already known
			}
			l.raw.AddMask(v)
		}
	}
}

// Redact replaces every registered secret in s.
func (l *Log) Redact(s string) string { return l.masker.Redact(s) }

// Writer is the masked job-log writer, for leaves that print (rollout logs, events).
func (l *Log) Writer() io.Writer { return l.masker }

// The printing methods format their message, mask it and pass it through safetext, the one
// sanitizer of untrusted text (errors of the API server and Helm, identities, pod text), so no
// line of it can be a workflow command; the toolkit then adds the action's own command syntax.

func (l *Log) Infof(format string, args ...any)    { l.act.Infof("%s", l.safe(format, args)) }
func (l *Log) Debugf(format string, args ...any)   { l.act.Debugf("%s", l.safe(format, args)) }
func (l *Log) Warningf(format string, args ...any) { l.act.Warningf("%s", l.safe(format, args)) }
func (l *Log) Group(title string)                  { l.act.Group(l.safe("%s", []any{title})) }
func (l *Log) EndGroup()                           { l.act.EndGroup() }

// Errorf prints an ::error annotation with a title.
func (l *Log) Errorf(title, format string, args ...any) {
	a := l.act
	if title != "" {
		a = a.WithFieldsMap(map[string]string{"title": safetext.Lines(title)})
	}
	a.Errorf("%s", l.safe(format, args))
}

// Command prints one workflow command line the action built itself with its data and
// properties escaped (rollout annotations). It is masked; "##[" and line breaks in it are
// defused so that nothing but this one command can come out of it.
func (l *Log) Command(line string) {
	line = safetext.Clean(l.masker.Redact(line))
	line = strings.ReplaceAll(strings.ReplaceAll(line, "\n", "%0A"), "##[", "## [")
	_, _ = io.WriteString(l.masker, line+"\n")
}

func (l *Log) safe(format string, args []any) string {
	return safetext.Lines(l.masker.Redact(fmt.Sprintf(format, args...)))
}

// SetOutput writes a step output; it reports an error instead of panicking when GITHUB_OUTPUT
// cannot be written.
func (l *Log) SetOutput(k, v string) (err error) {
	defer recoverTo(&err, "GITHUB_OUTPUT")
	l.act.SetOutput(k, l.Redact(v))
	return nil
}

// AddStepSummary appends Markdown to GITHUB_STEP_SUMMARY.
func (l *Log) AddStepSummary(md string) (err error) {
	defer recoverTo(&err, "GITHUB_STEP_SUMMARY")
	l.act.AddStepSummary(l.Redact(md))
	return nil
}

func recoverTo(err *error, file string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("cannot write %s: %v", file, r)
	}
}
