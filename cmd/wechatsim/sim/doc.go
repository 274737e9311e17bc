// Package sim is a local stand-in for the WeChat official-account platform.
//
// WeChat's servers cannot be reached from development machines and CI, and
// the real platform gives no way to script a participant's phone. The
// simulator closes both gaps:
//
//   - it serves the platform's HTTP API on one http.Handler with the real
//     paths (api.weixin.qq.com, open.weixin.qq.com and mp.weixin.qq.com's
//     /cgi-bin/showqrcode), so the service only has to point
//     wechat.api_base_url and wechat.open_base_url at it;
//   - it plays the platform's side of the message callback: it pushes
//     correctly signed (and optionally AES-encrypted) events to the
//     service and checks the reply the way the platform would.
//
// Typical in-process use from another package's tests:
//
//	s := sim.New(sim.Config{})                 // demo defaults
//	ts := httptest.NewServer(s.Handler())
//	defer ts.Close()
//	// configure the service with api/open base URL = ts.URL, then:
//	rep, err := s.Push(ctx, svcURL+"/wechat/callback",
//		s.ScanEvent("o1", "q_sanya-2018-evaluation", false), sim.ModeAES)
//	// rep.Message.Articles[0].URL is the link the participant would open.
//
// The simulator is deliberately stricter than the SDK the service uses:
// wherever the real platform rejects something (a spent OAuth code, an
// un-escaped QR ticket, a reply that is not signed, an expired token), the
// simulator rejects it too, so that such bugs show up in tests rather than
// at the closing session of a seminar. Its crypto is written from the
// platform's published algorithm rather than borrowed from the SDK, so a bug
// in the SDK cannot cancel itself out on both sides of a test; the published
// test vectors pin it down (see sim_test.go).
package sim
