package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"doorsync/internal/payloadcodec"
	"doorsync/internal/secrets"
	"doorsync/internal/testenv"
)

// With DOORSYNC_PAYLOAD_KEY, the client every process dials writes
// encrypted payloads: a workflow's input, read back through a plain client,
// is binary/encrypted and does not hold the org id; without the key it is
// plain JSON.
func TestDialedClientEncryptsPayloadsWithThePayloadKey(t *testing.T) {
	dev := testenv.Temporal(t)
	const orgID = "org-plaintext-0815"
	plain := dev.Client(t)
	for _, tc := range []struct {
		key, wantEncoding string
	}{{secrets.NewKey(), payloadcodec.Encoding}, {"", "json/plain"}} {
		env, err := newEnvironment(func(k string) string {
			return map[string]string{"TEMPORAL_ADDRESS": dev.HostPort, "TEMPORAL_NAMESPACE": dev.Namespace,
				"DOORSYNC_PAYLOAD_KEY": tc.key, "DOORSYNC_LOG_LEVEL": "warn"}[k]
		}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := env.dialTemporal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// No worker polls this queue: the start event records the input.
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: testenv.TaskQueue(t)}, "NoSuchWorkflow", orgID)
		if err != nil {
			t.Fatal(err)
		}
		defer plain.TerminateWorkflow(context.Background(), run.GetID(), run.GetRunID(), "test done")
		iter := plain.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		p := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()[0]
		if enc := string(p.GetMetadata()[converter.MetadataEncoding]); enc != tc.wantEncoding {
			t.Errorf("key set %v: input encoding %q, want %q", tc.key != "", enc, tc.wantEncoding)
		}
		if tc.key != "" && bytes.Contains(p.GetData(), []byte(orgID)) {
			t.Error("the encrypted input holds the org id")
		}
	}
}

// `doorsync api` with DOORSYNC_PAYLOAD_KEY (here hex) decodes, at
// /v1/codec, what a client with the same key encrypted.
func TestAPIProcessServesTheCodec(t *testing.T) {
	key := make([]byte, payloadcodec.KeySize)
	rand.Read(key)
	api := startAPIProcess(t, "DOORSYNC_PAYLOAD_KEY="+hex.EncodeToString(key))
	codec, err := payloadcodec.New(key)
	if err != nil {
		t.Fatal(err)
	}
	p, err := codec.DataConverter().ToPayload("org-plaintext-0815")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	status, raw := api.asAdmin(t, "POST", "/v1/codec/decode", body)
	var out commonpb.Payloads
	if status != 200 || protojson.Unmarshal(raw, &out) != nil || len(out.Payloads) != 1 {
		t.Fatalf("decode = %d %s", status, raw)
	}
	var got string
	if err := converter.GetDefaultDataConverter().FromPayload(out.Payloads[0], &got); err != nil || got != "org-plaintext-0815" {
		t.Errorf("decoded %q, %v", got, err)
	}
}
