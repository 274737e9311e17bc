package sim

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// This file implements the platform's signing and message encryption from
// the published algorithm ("消息加解密说明"), independently of the SDK, so
// that the simulator and the service do not share a bug. The published test
// vectors in WECHAT.md are checked against these functions in sim_test.go.

// Signature is the platform's SHA-1 signature: the parts are sorted as
// byte strings, concatenated and hashed, and the digest is lower-case hex.
//
//   - callback "signature": Signature(token, timestamp, nonce)
//   - safe-mode "msg_signature": Signature(token, timestamp, nonce, encrypt)
//
// The JS-SDK signature is a different construction; see JSSignature.
func Signature(parts ...string) string {
	// Sort a copy: callers pass their own slices and must not see them
	// reordered.
	p := slices.Clone(parts)
	slices.Sort(p)
	h := sha1.New()
	for _, s := range p {
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// JSSignature is the JS-SDK wx.config signature: SHA-1 of
// "jsapi_ticket=…&noncestr=…&timestamp=…&url=…" with the keys in that
// (alphabetical) order and the url without its #fragment. Tests use it to
// check the signature the service hands to the page.
func JSSignature(ticket, nonceStr string, timestamp int64, url string) string {
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonceStr +
		"&timestamp=" + strconv.FormatInt(timestamp, 10) + "&url=" + url
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// DecodeAESKey turns the 43-character EncodingAESKey into the 32-byte AES
// key (it is base64 without its trailing "=").
func DecodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("encoding_aes_key must be 43 characters, got %d", len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		return nil, fmt.Errorf("encoding_aes_key is not base64: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("encoding_aes_key decodes to %d bytes, want 32", len(key))
	}
	return key, nil
}

// blockSize is the PKCS#7 block size the platform pads to. It is 32, not
// AES's 16: a decrypter that assumes 16 rejects valid padding of 17..32.
const blockSize = 32

// Encrypt produces the base64 "Encrypt" value of a safe-mode message:
// AES-256-CBC (IV = first 16 key bytes) over
// random(16) | len(msg) as big-endian uint32 | msg | appID, padded with
// PKCS#7 to 32 bytes. random must be 16 bytes or nil for a fresh one; the
// test vectors fix it.
func Encrypt(encodingAESKey, appID string, random, msg []byte) (string, error) {
	key, err := DecodeAESKey(encodingAESKey)
	if err != nil {
		return "", err
	}
	if random == nil {
		random = make([]byte, 16)
		rand.Read(random)
	}
	if len(random) != 16 {
		return "", fmt.Errorf("random prefix must be 16 bytes, got %d", len(random))
	}
	var buf bytes.Buffer
	buf.Write(random)
	binary.Write(&buf, binary.BigEndian, uint32(len(msg)))
	buf.Write(msg)
	buf.WriteString(appID)
	pad := blockSize - buf.Len()%blockSize
	buf.Write(bytes.Repeat([]byte{byte(pad)}, pad))

	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := buf.Bytes()
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), nil
}

// ErrDecrypt wraps every failure of Decrypt, so callers can tell "this
// reply is not a valid safe-mode message" from transport errors.
var ErrDecrypt = errors.New("wechatsim: decrypt")

// Decrypt reverses Encrypt and checks that the message was encrypted for
// appID, as the platform does with replies. It returns the random prefix
// and the plaintext message.
func Decrypt(encodingAESKey, appID, encrypted string) (random, msg []byte, err error) {
	key, err := DecodeAESKey(encodingAESKey)
	if err != nil {
		return nil, nil, err
	}
	data, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: Encrypt is not base64: %v", ErrDecrypt, err)
	}
	if len(data) == 0 || len(data)%blockSize != 0 {
		return nil, nil, fmt.Errorf("%w: ciphertext length %d is not a positive multiple of %d", ErrDecrypt, len(data), blockSize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, data)

	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > blockSize || pad > len(plain) {
		return nil, nil, fmt.Errorf("%w: bad padding %d (wrong key?)", ErrDecrypt, pad)
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, nil, fmt.Errorf("%w: bad padding (wrong key?)", ErrDecrypt)
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, nil, fmt.Errorf("%w: plaintext too short", ErrDecrypt)
	}
	n := int(binary.BigEndian.Uint32(plain[16:20]))
	if n > len(plain)-20 {
		return nil, nil, fmt.Errorf("%w: message length %d exceeds plaintext", ErrDecrypt, n)
	}
	if got := string(plain[20+n:]); got != appID {
		return nil, nil, fmt.Errorf("%w: message is for app id %q, want %q", ErrDecrypt, got, appID)
	}
	return plain[:16], plain[20 : 20+n], nil
}
