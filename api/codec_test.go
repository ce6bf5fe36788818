package api_test

import (
	"crypto/rand"
	"net/http"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"doorsync/api"
	"doorsync/internal/payloadcodec"
)

// testCodec is the payload codec of every test API.
var testCodec = func() *payloadcodec.Codec {
	k := make([]byte, payloadcodec.KeySize)
	rand.Read(k)
	c, err := payloadcodec.New(k)
	if err != nil {
		panic(err)
	}
	return c
}()

// encryptedBody is a /v1/codec/decode request carrying plaintext sealed by
// testCodec.
func encryptedBody(t *testing.T, plaintext string) string {
	t.Helper()
	p, err := testCodec.DataConverter().ToPayload(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(p.Data), plaintext) {
		t.Fatal("the payload is not encrypted")
	}
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The codec decrypts every org's payloads, so only the admin may use it:
// an org's operator key is refused like a platform key.
func TestCodecDecodesForTheAdminOnly(t *testing.T) {
	a := newTestAPI(t)
	a.createOrg("a")
	body := encryptedBody(t, "org-acme-secret")

	for _, token := range []string{adminToken} {
		r := a.doRaw("POST", "/v1/codec/decode", token, "application/json", body)
		if r.Status != 200 {
			t.Fatalf("decode = %d %s", r.Status, r.Body)
		}
		var out commonpb.Payloads
		if err := protojson.Unmarshal(r.Body, &out); err != nil || len(out.Payloads) != 1 {
			t.Fatalf("answer %s: %v", r.Body, err)
		}
		var got string
		if err := converter.GetDefaultDataConverter().FromPayload(out.Payloads[0], &got); err != nil || got != "org-acme-secret" {
			t.Errorf("decoded %q, %v", got, err)
		}
	}

	for _, role := range []string{"platform", "operator"} {
		if r := a.doRaw("POST", "/v1/codec/decode", a.createKey("a", "a "+role, role), "application/json", body); r.Status != 403 {
			t.Errorf("an org's %s key = %d, want 403", role, r.Status)
		}
	}
	r := a.doRaw("POST", "/v1/codec/decode", "", "application/json", body)
	if r.Status != 401 {
		t.Errorf("no key = %d, want 401", r.Status)
	}
	if strings.Contains(string(r.Body), "org-acme-secret") {
		t.Error("the refusal shows the plaintext")
	}
}

func TestCodecEncodesForTheAdmin(t *testing.T) {
	a := newTestAPI(t)
	plain, _ := converter.GetDefaultDataConverter().ToPayload("hello")
	b, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{plain}})
	r := a.doRaw("POST", "/v1/codec/encode", adminToken, "application/json", string(b))
	var out commonpb.Payloads
	if r.Status != 200 || protojson.Unmarshal(r.Body, &out) != nil || len(out.Payloads) != 1 ||
		string(out.Payloads[0].Metadata[converter.MetadataEncoding]) != payloadcodec.Encoding {
		t.Fatalf("encode = %d %s", r.Status, r.Body)
	}
}

func TestCodecIsAbsentWithoutAPayloadKey(t *testing.T) {
	a := newTestAPI(t, func(d *api.Deps) { d.PayloadCodec = nil })
	for _, path := range []string{"/v1/codec/decode", "/v1/codec/encode"} {
		if r := a.doRaw("POST", path, adminToken, "application/json", `{"payloads":[]}`); r.Status != 404 {
			t.Errorf("%s without a key = %d, want 404", path, r.Status)
		}
		if r := a.doRaw("POST", path, "", "application/json", `{"payloads":[]}`); r.Status != 404 {
			t.Errorf("%s without a key or token = %d, want 404", path, r.Status)
		}
	}
}

func TestCodecCORSForTheUIOrigin(t *testing.T) {
	const ui = "https://temporal-ui.example.com"
	send := func(a *testAPI, method, origin, token string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, a.URL+"/v1/codec/decode", strings.NewReader(`{"payloads":[]}`))
		req.Header.Set("Origin", origin)
		req.Header.Set("Content-Type", "application/json")
		if method == "OPTIONS" {
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	a := newTestAPI(t, func(d *api.Deps) { d.CodecCORSOrigin = ui })
	if r := send(a, "OPTIONS", ui, ""); r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Origin") != ui ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight = %d %v", r.StatusCode, r.Header)
	}
	if r := send(a, "POST", ui, adminToken); r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != ui {
		t.Errorf("decode from the UI = %d %v", r.StatusCode, r.Header)
	}
	if r := send(a, "POST", "https://evil.example.com", adminToken); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin got %v", r.Header)
	}

	b := newTestAPI(t)
	if r := send(b, "POST", ui, adminToken); r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("without DOORSYNC_CODEC_CORS_ORIGIN = %d %v, want no CORS header", r.StatusCode, r.Header)
	}
}
