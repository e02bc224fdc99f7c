package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Redacted replaces the value of a secret input in an InputError.
const Redacted = "***"

// InputError reports one invalid action input. Parse joins all of them with
// errors.Join, so callers can use errors.As (or walk the joined error) to see
// which inputs failed.
type InputError struct {
	// Input is the input name as written in action.yml, e.g. "timeout".
	Input string
	// Value is the trimmed raw value, or Redacted for secret inputs.
	Value string
	// Reason says what is wrong. It never contains a secret value.
	Reason string
}

// Error renders `input "NAME": REASON`.
func (e *InputError) Error() string {
	return fmt.Sprintf("input %q: %s", e.Input, e.Reason)
}

// InputErrors lists every *InputError inside err (which may be a joined error).
func InputErrors(err error) []*InputError {
	var out []*InputError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if ie, ok := e.(*InputError); ok {
			out = append(out, ie)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// collector gathers InputErrors in the order inputs are checked.
type collector struct {
	errs []error
}

func (c *collector) add(spec *InputSpec, value, format string, args ...any) {
	reason := fmt.Sprintf(format, args...)
	if spec.Secret {
		reason = scrub(reason, value)
		if value != "" {
			value = Redacted
		}
	}
	c.errs = append(c.errs, &InputError{Input: spec.Name, Value: value, Reason: reason})
}

func (c *collector) err() error {
	return errors.Join(c.errs...)
}

var (
	// quotedRe matches quoted fragments; scrub keeps those holding a single
	// character, which is YAML punctuation such as ',' or '}'.
	quotedRe = regexp.MustCompile("`[^`]*`|\"[^\"]*\"|'[^']*'")
	// tokenSep splits a secret input into the pieces that could be echoed back
	// by a parser: YAML punctuation and whitespace delimit them.
	tokenSep = regexp.MustCompile(`[\s:,\[\]{}#&*!|>'"%@` + "`" + `=]+`)
)

// scrub removes anything from msg that may have come from the secret raw
// value: quoted fragments (YAML and JSON errors quote offending content) and
// every token of the raw value that is three characters or longer.
func scrub(msg, raw string) string {
	msg = quotedRe.ReplaceAllStringFunc(msg, func(q string) string {
		if len(q) <= 3 {
			return q
		}
		return Redacted
	})
	if raw == "" {
		return msg
	}
	if strings.Contains(msg, raw) {
		msg = strings.ReplaceAll(msg, raw, Redacted)
	}
	for _, tok := range tokenSep.Split(raw, -1) {
		if len(tok) >= 3 && strings.Contains(msg, tok) {
			msg = strings.ReplaceAll(msg, tok, Redacted)
		}
	}
	return msg
}

var yamlLineRe = regexp.MustCompile(`line (\d+):?\s*(.*)`)

// yamlReason turns an error of sigs.k8s.io/yaml into a short reason that
// names the line, without the library's wrapping prefixes.
func yamlReason(err error) string {
	msg := err.Error()
	for _, p := range []string{"error converting YAML to JSON:", "error unmarshaling JSON:", "while decoding JSON:", "yaml:", "unmarshal errors:"} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("is not valid YAML: line %s: %s", m[1], m[2])
	}
	return "is not valid YAML: " + msg
}
