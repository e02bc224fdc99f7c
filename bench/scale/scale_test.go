package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct{ method, url, want string }{
		{"GET", "/api/v1/namespaces/ns/pods?watch=true", "WATCH pods"},
		{"GET", "/api/v1/namespaces/ns/pods", "LIST pods"},
		{"GET", "/api/v1/namespaces/ns/pods/p/log?follow=true", "GET pods/log"},
		{"PATCH", "/apis/apps/v1/namespaces/ns/deployments/d", "PATCH deployments"},
		{"GET", "/api/v1/namespaces/ns", "GET namespaces"},
		{"GET", "/api", "GET (discovery)"},
		{"GET", "/apis", "GET (discovery)"},
		{"GET", "/version", "GET /version"},
	} {
		r := httptest.NewRequest(c.method, c.url, nil)
		if got := verbOf(r) + " " + resourceOf(r.URL.Path); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.method, c.url, got, c.want)
		}
	}
}

func TestTargets(t *testing.T) {
	t0 := time.Unix(0, 0)
	mk := func(pods int, tool, sc string, wall float64, logPeak int) result {
		return result{size: sizeOf(pods), Tool: tool, Scenario: sc, Start: t0, End: t0.Add(time.Duration(wall * float64(time.Second))),
			API: &apiCount{Requests: map[string]int{"WATCH pods": 1}, LogPeak: logPeak}}
	}
	var all []result
	for _, sc := range []string{scInstall, scUpgrade, scFail} {
		all = append(all, mk(100, toolOurs, sc, 5, 20), mk(1000, toolOurs, sc, 50, 60),
			mk(100, toolHelm, sc, 6, 0), mk(1000, toolHelm, sc, 40, 0))
	}
	rp := &report{all: all}
	sizes := rp.sizes()
	if tg := rp.tGrowth(sizes[0], sizes[1], "logs", "peak", func(r result) int { return r.API.LogPeak }); tg.verdict != failsText || len(tg.failing) != 3 {
		t.Errorf("log peak 20 → 60 should not hold in every scenario: %+v", tg)
	}
	tw := rp.tWall(sizes)
	if tw.verdict != failsText || len(tw.failing) != 2 || !strings.Contains(tw.failing[0], "1000 pods install") {
		t.Errorf("ours slower at 1000 pods should fail install and upgrade: %+v", tw)
	}
	if tw := rp.tWatches(sizes[0], sizes[1]); tw.verdict != holdsText {
		t.Errorf("one watch at every size should hold: %+v", tw)
	}
}
