package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"seminareval/service/wechat"
	"seminareval/service/wire"
)

// runWeChat is `seminareval wechat menu`: it sets the official account's
// menu to the "Evaluate" button that the callback answers with the open
// questionnaires. The account comes from config.yaml, the environment and
// the values staff entered on /admin/wechat.
func runWeChat(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] != "menu" {
		return errors.New("usage: seminareval wechat menu [-config FILE]")
	}
	fs, cfgPath := e.flags("wechat menu")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	return e.withApp(ctx, *cfgPath, func(a app) error {
		cfg, log, db := a.cfg, a.log, a.db
		secret, sealer, err := a.secrets(ctx)
		if err != nil {
			return err
		}
		services := wire.New(wire.Deps{DB: db, Config: cfg, Secret: secret, Sealer: sealer, Log: log, Now: time.Now})
		defer services.Close()
		wx := services.WeChat
		if !wx.Enabled(ctx) {
			return fmt.Errorf("%w: set wechat.enabled, app_id, app_secret and token (config.yaml, SEMINAREVAL_WECHAT_*, or /admin/wechat)", wechat.ErrOff)
		}
		if err := wx.SetMenu(ctx); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "menu set: one button %q (click key %s) answering with the open questionnaires\n", wechat.MenuEvaluateName, wechat.MenuKeyEvaluate)
		return nil
	})
}
