package kube

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestWaitDefaultServiceAccount(t *testing.T) {
	sa := func(name string) *corev1.ServiceAccount {
		return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "new"}}
	}
	tests := []struct {
		name        string
		existing    []runtime.Object
		onWatch     []string // ServiceAccounts created once the watch has started
		cancelFirst bool
		wantErr     error
	}{
		{name: "already there", existing: []runtime.Object{sa("default")}},
		{name: "created by the controller while we watch", onWatch: []string{"other", "default"}},
		{name: "never created", onWatch: []string{"other"}, wantErr: ErrNoDefaultServiceAccount},
		{name: "cancelled", cancelFirst: true, wantErr: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := fake.NewClientset(tc.existing...)
			cs.PrependWatchReactor("serviceaccounts", func(k8stesting.Action) (bool, watch.Interface, error) {
				w := watch.NewFake()
				go func() {
					for _, n := range tc.onWatch {
						w.Add(sa(n)) // blocks until the watcher reads it
					}
				}()
				return true, w, nil
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelFirst {
				cancel()
			}
			c := &Clients{Clientset: cs}
			_, err := c.WaitDefaultServiceAccount(ctx, "new", 300*time.Millisecond)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}
