package handler

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Cookie names. The respondent cookie is a random id, not signed: forging one
// only changes who the forger claims to be among anonymous web visitors. The
// WeChat identity cookie is signed, because the openid must only ever come
// from the server-side OAuth exchange.
const (
	cookieRespondent = "sev_r"
	cookieWeChat     = "sev_wx"
	cookieLang       = "sev_lang"
)

// deriveKey gives each purpose its own key from the one secret.
func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// setCookie writes a cookie with the attributes every cookie here has:
// HttpOnly, SameSite=Lax, Secure when the service is reached over https.
func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode,
	})
}

// SetSignedCookie stores value in a cookie signed with the server secret.
func (s *Server) SetSignedCookie(c *gin.Context, name, value string, maxAge int) error {
	enc, err := s.cookies.Encode(name, value)
	if err != nil {
		return err
	}
	s.setCookie(c, name, enc, maxAge)
	return nil
}

// SignedCookie returns the value of a signed cookie, or "" when it is
// missing, tampered with or expired.
func (s *Server) SignedCookie(c *gin.Context, name string) string {
	raw, err := c.Cookie(name)
	if err != nil || raw == "" {
		return ""
	}
	var v string
	if err := s.cookies.Decode(name, raw, &v); err != nil {
		return ""
	}
	return v
}

// WeChatOpenID is the openid established by the OAuth exchange, if any.
func (s *Server) WeChatOpenID(c *gin.Context) string { return s.SignedCookie(c, cookieWeChat) }

// SetWeChatOpenID records the openid after a successful OAuth exchange.
func (s *Server) SetWeChatOpenID(c *gin.Context, openid string) error {
	return s.SetSignedCookie(c, cookieWeChat, openid, 30*24*3600)
}
