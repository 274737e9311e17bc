package wechat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"seminareval/model"
)

// Personal links: on an account without web OAuth the service cannot learn
// who opens a page, but every push names its sender (FromUserName). So the
// reply to a subscribe, scan, menu click or keyword carries a link signed
// for that follower: /s/{slug}?w=<token>, the token naming the openid, the
// questionnaire and an expiry, MACed with a key derived from the server
// secret. Opening it binds the openid to the browser as OAuth would; after
// the openid has answered, every link of it shows "already recorded".

// PersonalLinkTTL is how long a personal link is valid (at most 24 h).
const PersonalLinkTTL = 24 * time.Hour

// Why a personal link is refused.
var (
	ErrLinkInvalid = errors.New("personal link: not a valid token")
	ErrLinkExpired = errors.New("personal link: expired")
)

// linkKey is the MAC key of personal links, apart from every other use of
// the server secret; derived once.
func (w *Service) linkKey() []byte {
	w.linkOnce.Do(func() {
		w.link = w.responses.DerivedKey("wechat-personal-link")
	})
	return w.link
}

// PersonalToken signs openid for questionnaire id until expires.
func (w *Service) PersonalToken(openid string, questionnaireID uint64, expires time.Time) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(openid)) + "." + strconv.FormatUint(questionnaireID, 36) + "." + strconv.FormatInt(expires.Unix(), 36)
	m := hmac.New(sha256.New, w.linkKey())
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// PersonalLink is the page of q signed for openid, valid PersonalLinkTTL.
func (w *Service) PersonalLink(q *model.Questionnaire, openid, lang string) string {
	v := url.Values{}
	v.Set("lang", lang)
	v.Set("w", w.PersonalToken(openid, q.ID, w.now().Add(PersonalLinkTTL)))
	return w.baseURL + "/s/" + q.Slug + "?" + v.Encode()
}

// CheckPersonalToken returns the openid a token was signed for, if it is
// genuine (constant-time check), for questionnaire id, and not expired.
func (w *Service) CheckPersonalToken(token string, questionnaireID uint64) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 4 || len(token) > 512 {
		return "", ErrLinkInvalid
	}
	payload := strings.Join(parts[:3], ".")
	mac, err := base64.RawURLEncoding.DecodeString(parts[3])
	m := hmac.New(sha256.New, w.linkKey())
	m.Write([]byte(payload))
	if err != nil || !hmac.Equal(mac, m.Sum(nil)[:18]) {
		return "", ErrLinkInvalid
	}
	openid, err := base64.RawURLEncoding.DecodeString(parts[0])
	qid, qerr := strconv.ParseUint(parts[1], 36, 64)
	exp, eerr := strconv.ParseInt(parts[2], 36, 64)
	if err != nil || qerr != nil || eerr != nil || len(openid) == 0 {
		return "", ErrLinkInvalid
	}
	if qid != questionnaireID {
		return "", fmt.Errorf("%w: signed for another questionnaire", ErrLinkInvalid)
	}
	if !w.now().Before(time.Unix(exp, 0)) {
		return "", ErrLinkExpired
	}
	return string(openid), nil
}
