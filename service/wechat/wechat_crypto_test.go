package wechat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"seminareval/service"

	"github.com/sirupsen/logrus"
)

// The published vectors of WECHAT.md, through this package's own code.

const vectorKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

func TestWeChatPlainSignatureVectors(t *testing.T) {
	for _, c := range []struct{ token, ts, nonce, want string }{
		{"test", "1410685589", "test", "f21891de399b4e33a1a93c9a7b8a8fffb5a443ff"},           // wechatpy
		{"789", "456", "123", "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},                    // pywe-sign
		{"spamtest", "1409735669", "1320562132", "16120ec1b8dbb870f510d87ce6bc2463eae6ca1a"}, // vector C
	} {
		if got := Signature(c.token, c.ts, c.nonce); got != c.want {
			t.Errorf("signature(%s,%s,%s) = %s, want %s", c.token, c.ts, c.nonce, got, c.want)
		}
	}
}

func TestWeChatDecryptVectorC(t *testing.T) {
	enc := "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
	ts := "1409735669"
	// The msg_signature, checked by the same code the callback uses, at
	// the vector's own time.
	if err := VerifySignature("5d197aaffba7e9b25a30732f161a50dee96bd5fa", ts, time.Unix(1409735669, 0), "spamtest", ts, "1320562132", enc); err != nil {
		t.Fatalf("msg_signature of vector C: %v", err)
	}
	got, err := DecryptMessage(vectorKey, "wx2c2769f8efd9abc2", enc)
	if err != nil {
		t.Fatal(err)
	}
	want := "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>"
	if string(got) != want {
		t.Fatalf("decrypted:\n%q\nwant\n%q", got, want)
	}
	if _, err := DecryptMessage(vectorKey, "wxsomeoneelse00000", enc); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("decrypt for another app id: %v, want ErrDecrypt", err)
	}
}

func TestWeChatEncryptVectorA(t *testing.T) {
	got, err := EncryptMessage(vectorKey, "wxb11529c136998cb6", []byte("aaaabbbbccccdddd"), []byte("我是中文abcd123"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="; got != want {
		t.Fatalf("encrypt = %s, want %s", got, want)
	}
	back, err := DecryptMessage(vectorKey, "wxb11529c136998cb6", got)
	if err != nil || string(back) != "我是中文abcd123" {
		t.Fatalf("round trip: %q %v", back, err)
	}
}

func TestWeChatJSSDKSignatureVector(t *testing.T) {
	got := JSSDKSignature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
	if want := "0f9de62fce790f9a083d5c99e95740ceb90c27ed"; got != want {
		t.Fatalf("JS-SDK signature = %s, want %s", got, want)
	}
}

func TestVerifySignatureRefusesForgedAndStale(t *testing.T) {
	now := time.Unix(1700000000, 0)
	ts := "1700000000"
	good := Signature("tok", ts, "n1")
	if err := VerifySignature(good, ts, now, "tok", ts, "n1"); err != nil {
		t.Fatalf("good signature refused: %v", err)
	}
	forged := strings.Repeat("0", 40)
	if err := VerifySignature(forged, ts, now, "tok", ts, "n1"); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged: %v, want ErrBadSignature", err)
	}
	if err := VerifySignature(good, ts, now.Add(6*time.Minute), "tok", ts, "n1"); !errors.Is(err, ErrStaleTimestamp) {
		t.Fatalf("stale: %v, want ErrStaleTimestamp", err)
	}
	if err := VerifySignature(good, ts, now.Add(-6*time.Minute), "tok", ts, "n1"); !errors.Is(err, ErrStaleTimestamp) {
		t.Fatalf("future: %v, want ErrStaleTimestamp", err)
	}
}

func TestWeChatServiceQuietsTheSDKLogger(t *testing.T) {
	New(nil, service.DefaultConfig(), nil, nil, nil, nil, nil).Close()
	if l := logrus.GetLevel(); l > logrus.WarnLevel {
		t.Fatalf("logrus level %s: the SDK would log request bodies", l)
	}
}
