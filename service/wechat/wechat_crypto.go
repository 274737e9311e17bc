package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// The platform's message crypto, written here rather than taken from the
// SDK: the SDK compares signatures with == and has no timestamp window, and
// the callback must check both before it parses anything.

// ErrBadSignature is a callback request whose signature does not match.
var ErrBadSignature = errors.New("wechat: bad signature")

// ErrStaleTimestamp is a callback request signed too far from now.
var ErrStaleTimestamp = errors.New("wechat: timestamp outside the accepted window")

// ErrDecrypt is a safe-mode message that cannot be decrypted for this account.
var ErrDecrypt = errors.New("wechat: cannot decrypt message")

// SignatureWindow is how far a callback's timestamp may be from the
// service's clock. A captured request replayed later is refused.
const SignatureWindow = 5 * time.Minute

// Signature is SHA-1 over the sorted, concatenated parts, in hex: the
// callback signature (token, timestamp, nonce) and the safe-mode
// msg_signature (token, timestamp, nonce, encrypt).
func Signature(parts ...string) string {
	sorted := append([]string(nil), parts...)
	sort.Strings(sorted)
	h := sha1.New()
	for _, p := range sorted {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// VerifySignature checks got against the signature of parts in constant
// time, and the timestamp against now: both must pass.
func VerifySignature(got, timestamp string, now time.Time, parts ...string) error {
	want := Signature(parts...)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ErrBadSignature
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not a number", ErrStaleTimestamp, timestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > SignatureWindow || d < -SignatureWindow {
		return fmt.Errorf("%w: %s off", ErrStaleTimestamp, d.Round(time.Second))
	}
	return nil
}

// JSSDKSignature is the wx.config signature of the JS-SDK.
func JSSDKSignature(ticket, nonceStr string, timestamp int64, pageURL string) string {
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonceStr + "&timestamp=" + strconv.FormatInt(timestamp, 10) + "&url=" + pageURL
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// aesKey decodes the 43-character EncodingAESKey to its 32 bytes.
func aesKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("encoding_aes_key: want 43 characters, got %d", len(encodingAESKey))
	}
	k, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("encoding_aes_key: not the base64 of 32 bytes")
	}
	return k, nil
}

// The platform pads to 32 bytes, not AES's 16.
const wechatPadBlock = 32

// EncryptMessage returns the base64 Encrypt value for msg: AES-256-CBC with
// IV = key[:16] over random(16) | uint32 length | msg | appID, PKCS#7 to 32.
// random is nil for a fresh one (tests pass the published vector's).
func EncryptMessage(encodingAESKey, appID string, random, msg []byte) (string, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return "", err
	}
	if random == nil {
		random = make([]byte, 16)
		if _, err := rand.Read(random); err != nil {
			return "", err
		}
	}
	if len(random) != 16 {
		return "", errors.New("wechat: random prefix must be 16 bytes")
	}
	n := 16 + 4 + len(msg) + len(appID)
	pad := wechatPadBlock - n%wechatPadBlock
	buf := make([]byte, 0, n+pad)
	buf = append(buf, random...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(msg)))
	buf = append(buf, msg...)
	buf = append(buf, appID...)
	for range pad {
		buf = append(buf, byte(pad))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// DecryptMessage reverses EncryptMessage and checks that the message was
// meant for appID.
func DecryptMessage(encodingAESKey, appID, encrypted string) ([]byte, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	data, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: not a base64 AES ciphertext", ErrDecrypt)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, data)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > wechatPadBlock || pad > len(plain) {
		return nil, fmt.Errorf("%w: bad padding", ErrDecrypt)
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, fmt.Errorf("%w: too short", ErrDecrypt)
	}
	n := binary.BigEndian.Uint32(plain[16:20])
	if uint64(n) > uint64(len(plain)-20) {
		return nil, fmt.Errorf("%w: bad length", ErrDecrypt)
	}
	if got := plain[20+n:]; subtle.ConstantTimeCompare(got, []byte(appID)) != 1 {
		return nil, fmt.Errorf("%w: not for this app id", ErrDecrypt)
	}
	return plain[20 : 20+n], nil
}
