package main

import (
	"strings"
	"testing"

	"seminareval/model"
	"seminareval/model/modeltest"
)

// A key rotation as an operator runs it (SECURITY.md, "Secrets"): a secret
// stored in plain text by an older release is sealed by `secrets reseal`;
// `secrets new-key` gives the next key; with the new key current and the old
// one previous, reseal moves every secret to the new key, after which the
// old key alone opens nothing.
func TestSecretsCommandsRotateTheKey(t *testing.T) {
	for _, target := range modeltest.Targets(t) {
		t.Run(target.Name, func(t *testing.T) {
			environ, db := cliDB(t, target)
			if err := db.Create(&model.Setting{Key: "wechat.app_secret", Value: "plain-app-secret"}).Error; err != nil {
				t.Fatal(err)
			}
			stored := func() string {
				var s model.Setting
				db.Where("`key` = ?", "wechat.app_secret").Take(&s)
				return s.Value
			}
			oldKey, _, err := runCLI(t, environ, "", "secrets", "new-key")
			oldKey = strings.TrimSpace(oldKey)
			if err != nil || len(oldKey) != 44 {
				t.Fatalf("new-key: %q %v", oldKey, err)
			}
			withOld := append(environ, "SEMINAREVAL_SERVER_SECRETS_KEY="+oldKey)
			out, _, err := runCLI(t, withOld, "", "secrets", "reseal")
			if err != nil || !strings.Contains(out, "sealed with key") {
				t.Fatalf("reseal: %q %v", out, err)
			}
			oldID := strings.Fields(out)[len(strings.Fields(out))-1]
			if v := stored(); !strings.HasPrefix(v, "sealed:v1:"+oldID+":") || strings.Contains(v, "plain-app-secret") {
				t.Fatalf("after reseal the AppSecret is stored as %q", v)
			}

			newKey, _, _ := runCLI(t, environ, "", "secrets", "new-key")
			newKey = strings.TrimSpace(newKey)
			rotating := append(environ, "SEMINAREVAL_SERVER_SECRETS_KEY="+newKey, "SEMINAREVAL_SERVER_SECRETS_PREVIOUS_KEYS="+oldKey)
			out, _, err = runCLI(t, rotating, "", "secrets", "reseal")
			if err != nil {
				t.Fatalf("reseal with the new key: %q %v", out, err)
			}
			newID := strings.Fields(out)[len(strings.Fields(out))-1]
			if newID == oldID || !strings.HasPrefix(stored(), "sealed:v1:"+newID+":") {
				t.Fatalf("after the rotation the AppSecret is stored as %q (new key %s)", stored(), newID)
			}
			if _, stderr, err := runCLI(t, withOld, "", "secrets", "reseal"); err == nil || !strings.Contains(err.Error()+stderr, "same server.secrets_key") {
				t.Fatalf("the old key alone after the rotation: %v %s", err, stderr)
			}
		})
	}
}
