package main

import (
	"context"
	"errors"
	"fmt"

	"seminareval/service"
)

// runSecrets is `seminareval secrets new-key` (print a fresh sealing key)
// and `seminareval secrets reseal` (seal every secret in the settings table
// with the current key: the last step of a key rotation, SECURITY.md).
func runSecrets(ctx context.Context, e env) error {
	const use = "usage: seminareval secrets new-key | reseal [-config FILE]"
	if len(e.args) == 0 {
		return errors.New(use)
	}
	switch e.args[0] {
	case "new-key":
		fmt.Fprintln(e.stdout, service.NewSecretsKey())
		return nil
	case "reseal":
	default:
		return errors.New(use)
	}
	fs, cfgPath := e.flags("secrets reseal")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	return e.withApp(ctx, *cfgPath, func(a app) error {
		_, sealer, err := a.secrets(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "every secret in the settings table is sealed with key %s\n", sealer.KeyID())
		return nil
	})
}
