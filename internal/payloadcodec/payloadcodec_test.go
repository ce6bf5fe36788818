package payloadcodec_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"doorsync/internal/payloadcodec"
	"doorsync/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, payloadcodec.KeySize)
	rand.Read(k)
	return k
}

func TestParseKeyTakesHexAndBase64(t *testing.T) {
	k := newKey(t)
	for _, s := range []string{hex.EncodeToString(k), base64.StdEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k)} {
		got, err := payloadcodec.ParseKey(s)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("ParseKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "short", base64.StdEncoding.EncodeToString(k[:16]), hex.EncodeToString(k[:16])} {
		if _, err := payloadcodec.ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) took it", s)
		}
	}
}

func TestRoundTripHidesThePlaintext(t *testing.T) {
	c, err := payloadcodec.New(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	dc := c.DataConverter()
	p, err := dc.ToPayload(map[string]string{"org_id": "acme-secret-org"})
	if err != nil {
		t.Fatal(err)
	}
	if enc := string(p.Metadata[converter.MetadataEncoding]); enc != payloadcodec.Encoding {
		t.Errorf("encoding = %q", enc)
	}
	if len(p.Metadata[payloadcodec.KeyIDMeta]) == 0 {
		t.Error("no key id")
	}
	if bytes.Contains(p.Data, []byte("acme-secret-org")) {
		t.Error("the ciphertext holds the plaintext")
	}
	var got map[string]string
	if err := dc.FromPayload(p, &got); err != nil || got["org_id"] != "acme-secret-org" {
		t.Errorf("FromPayload = %v, %v", got, err)
	}
}

func TestRotationOpensOldPayloadsAndPassesPlainOnes(t *testing.T) {
	oldKey, newK := newKey(t), newKey(t)
	old, _ := payloadcodec.New(oldKey)
	sealed, err := old.DataConverter().ToPayload("before")
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := converter.GetDefaultDataConverter().ToPayload("unencrypted")

	rotated, _ := payloadcodec.New(newK, oldKey)
	for _, tc := range []struct {
		p    *commonpb.Payload
		want string
	}{{sealed, "before"}, {plain, "unencrypted"}} {
		var got string
		if err := rotated.DataConverter().FromPayload(tc.p, &got); err != nil || got != tc.want {
			t.Errorf("FromPayload = %q, %v; want %q", got, err, tc.want)
		}
	}

	other, _ := payloadcodec.New(newK)
	var s string
	if err := other.DataConverter().FromPayload(sealed, &s); !errors.Is(err, payloadcodec.ErrUnknownKey) {
		t.Errorf("a payload of a key not held: %v, want ErrUnknownKey", err)
	}
}

// echo is a workflow whose input and result carry the org id.
func echo(ctx workflow.Context, orgID string) (string, error) {
	return "done for " + orgID, nil
}

// TestHistoryOnTheDevServerIsEncrypted runs a workflow through clients
// with the codec: the history, read by a client without it, holds only
// encrypted payloads and never the org id; the codec's client reads it.
func TestHistoryOnTheDevServerIsEncrypted(t *testing.T) {
	srv := testenv.Temporal(t)
	codec, err := payloadcodec.New(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{
		HostPort: srv.HostPort, Namespace: srv.Namespace, DataConverter: codec.DataConverter(),
		Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	queue := testenv.TaskQueue(t)
	testenv.StartWorker(t, c, queue, func(r worker.Registry) { r.RegisterWorkflow(echo) })

	const orgID = "org-plaintext-4711"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue}, echo, orgID)
	if err != nil {
		t.Fatal(err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil || result != "done for "+orgID {
		t.Fatalf("result = %q, %v", result, err)
	}

	plain := srv.Client(t)
	iter := plain.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var payloads int
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := ev.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(orgID)) {
			t.Errorf("event %d (%s) holds the org id in plaintext", ev.GetEventId(), ev.GetEventType())
		}
		var ps []*commonpb.Payload
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			ps = a.GetInput().GetPayloads()
		}
		if a := ev.GetWorkflowExecutionCompletedEventAttributes(); a != nil {
			ps = a.GetResult().GetPayloads()
		}
		for _, p := range ps {
			payloads++
			if enc := string(p.GetMetadata()[converter.MetadataEncoding]); enc != payloadcodec.Encoding {
				t.Errorf("event %s: payload encoding %q, want %q", ev.GetEventType(), enc, payloadcodec.Encoding)
			}
			var s string
			if err := converter.GetDefaultDataConverter().FromPayload(p, &s); err == nil {
				t.Errorf("a client without the codec read %q", s)
			}
			if err := codec.DataConverter().FromPayload(p, &s); err != nil || !bytes.Contains([]byte(s), []byte(orgID)) {
				t.Errorf("the codec read %q, %v", s, err)
			}
		}
	}
	if payloads != 2 {
		t.Errorf("checked %d payloads, want the input and the result", payloads)
	}
}
