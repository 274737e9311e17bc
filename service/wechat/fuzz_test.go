package wechat

import (
	"bytes"
	"testing"
)

func FuzzDecryptMessage(f *testing.F) {
	const appID = "wxb11529c136998cb6"
	enc, err := EncryptMessage(vectorKey, appID, []byte("aaaabbbbccccdddd"), []byte("<xml><Content><![CDATA[问卷]]></Content></xml>"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(enc, appID)
	f.Add("jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==", appID)
	f.Add("", "")
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==", appID)
	f.Fuzz(func(t *testing.T, encrypted, app string) {
		msg, err := DecryptMessage(vectorKey, app, encrypted)
		if err != nil {
			return
		}
		// What decrypts is a message from app: encrypting it again for
		// app decrypts to the same bytes.
		again, err := EncryptMessage(vectorKey, app, []byte("0123456789abcdef"), msg)
		if err != nil {
			t.Fatalf("re-encrypt: %v", err)
		}
		back, err := DecryptMessage(vectorKey, app, again)
		if err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("round trip: %q %v, want %q", back, err, msg)
		}
	})
}
