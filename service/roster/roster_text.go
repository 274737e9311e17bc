package roster

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// Text encodings a roster file is read in, as the preview names them.
const (
	EncodingUTF8        = "UTF-8"
	EncodingUTF8BOM     = "UTF-8 (BOM)"
	EncodingUTF16LE     = "UTF-16LE"
	EncodingUTF16BE     = "UTF-16BE"
	EncodingGB18030     = "GB18030"
	EncodingWindows1252 = "Windows-1252"
)

// decodeRosterText turns the bytes of a text roster (CSV, tab-separated or
// JSON) into UTF-8 and says which encoding it was read in. What Excel,
// WPS and LibreOffice write:
//
//   - "CSV UTF-8" (Excel) and LibreOffice's default: UTF-8, with or without BOM;
//   - "Unicode text" (Excel) and WPS's "Unicode" export: UTF-16LE with BOM,
//     tab-separated;
//   - "CSV (逗号分隔)" from Excel on Chinese Windows, and WPS's default CSV:
//     GB18030/GBK, no BOM;
//   - "CSV" from Excel on Western Windows: Windows-1252.
//
// Without a BOM the decoding whose text is plausible wins. GBK bytes are
// often valid UTF-8 too (郑伟 is D6 A3 CE B0, which UTF-8 reads as "֣ΰ"),
// so valid UTF-8 alone does not settle it: when the UTF-8 reading holds
// letters a roster does not hold (Hebrew points, Latin Extended-B, scripts
// mixed within a cell) and every byte pair is a GB2312 character, the file is
// GB18030. ok is false when no decoding is plausible: such a file is refused,
// never stored as mojibake.
func decodeRosterText(data []byte) (text, enc string, ok bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		rest := data[3:]
		if !utf8.Valid(rest) {
			return "", "", false
		}
		return string(rest), EncodingUTF8BOM, true
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeWith(xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), data, EncodingUTF16LE)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeWith(xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), data, EncodingUTF16BE)
	}
	if e, name, ok := utf16WithoutBOM(data); ok {
		return decodeWith(e, data, name)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", "", false
	}
	if utf8.Valid(data) {
		s := string(data)
		if !isASCII(data) && implausibleRunes(s) > 0 && gb2312Share(data) == 1 {
			if gb, _, ok := decodeWith(simplifiedchinese.GB18030, data, EncodingGB18030); ok && implausibleRunes(gb) == 0 {
				return gb, EncodingGB18030, true
			}
		}
		return s, EncodingUTF8, plausibleText(s)
	}
	// Not UTF-8: Chinese Excel's GB18030 when most characters are in GB2312
	// (names with a rare character such as 喆 or 堃 are in GBK's extension),
	// else Western Excel's Windows-1252 when it reads as Latin letters.
	if gb2312Share(data) >= 0.8 {
		if gb, _, ok := decodeWith(simplifiedchinese.GB18030, data, EncodingGB18030); ok && implausibleRunes(gb) == 0 {
			return gb, EncodingGB18030, true
		}
	}
	if w, _, ok := decodeWith(charmap.Windows1252, data, EncodingWindows1252); ok && westernText(w) {
		return w, EncodingWindows1252, true
	}
	return "", "", false
}

func decodeWith(e encoding.Encoding, data []byte, name string) (string, string, bool) {
	out, err := e.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) || !utf8.Valid(out) {
		return "", "", false
	}
	s := strings.TrimPrefix(string(out), "\ufeff")
	return s, name, plausibleText(s)
}

// utf16WithoutBOM recognises UTF-16 text without a BOM by its zero bytes:
// ASCII characters (the header's letters, commas, digits) have a zero high
// byte, so one of the two byte positions is mostly zero.
func utf16WithoutBOM(data []byte) (encoding.Encoding, string, bool) {
	if len(data) < 4 || len(data)%2 != 0 {
		return nil, "", false
	}
	var even, odd int
	for i := 0; i+1 < len(data); i += 2 {
		if data[i] == 0 {
			even++
		}
		if data[i+1] == 0 {
			odd++
		}
	}
	pairs := len(data) / 2
	switch {
	case odd*2 > pairs && even*10 < pairs:
		return xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), EncodingUTF16LE, true
	case even*2 > pairs && odd*10 < pairs:
		return xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), EncodingUTF16BE, true
	}
	return nil, "", false
}

func isASCII(data []byte) bool {
	for _, b := range data {
		if b >= 0x80 {
			return false
		}
	}
	return true
}

// gb2312Share is the share of the non-ASCII byte pairs that are GB2312
// characters (lead A1–F7, trail A1–FE): nearly all of a Chinese roster in
// GBK, almost none of UTF-8 or Windows-1252 text. 0 without any pair.
func gb2312Share(data []byte) float64 {
	var pairs, in int
	for i := 0; i < len(data); i++ {
		b := data[i]
		if b < 0x80 {
			continue
		}
		pairs++
		if i+1 < len(data) && b >= 0xA1 && b <= 0xF7 && data[i+1] >= 0xA1 && data[i+1] <= 0xFE {
			in++
		}
		i++ // a lead byte takes its trail byte with it
	}
	if pairs == 0 {
		return 0
	}
	return float64(in) / float64(pairs)
}

// plausibleText reports whether decoded text can be a spreadsheet's text:
// no control characters other than tab and line breaks.
func plausibleText(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || (unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r') {
			return false
		}
	}
	return true
}

// implausibleRunes counts what a roster of names, organisations, e-mails and
// phones does not contain, but mojibake does: combining marks, Hebrew
// points, Latin Extended-B and IPA letters, private-use characters, and
// cells whose letters mix Latin, Greek, Cyrillic, Hebrew or Arabic.
func implausibleRunes(s string) int {
	n := 0
	for _, cell := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\t' || r == '\n' || r == '\r' }) {
		scripts := map[string]bool{}
		for _, r := range cell {
			switch {
			case r < 0x80:
				continue
			case unicode.Is(unicode.Mn, r), r >= 0x0180 && r <= 0x02FF, r >= 0x0591 && r <= 0x05C7,
				r >= 0xE000 && r <= 0xF8FF, unicode.Is(unicode.Co, r):
				n++
			}
			for name, table := range mixableScripts {
				if unicode.Is(table, r) {
					scripts[name] = true
				}
			}
		}
		if len(scripts) > 1 {
			n++
		}
	}
	return n
}

var mixableScripts = map[string]*unicode.RangeTable{
	"Latin": unicode.Latin, "Greek": unicode.Greek, "Cyrillic": unicode.Cyrillic,
	"Hebrew": unicode.Hebrew, "Arabic": unicode.Arabic, "Armenian": unicode.Armenian,
}

// westernText reports whether Windows-1252 text reads as Western European:
// every non-ASCII character a letter of Latin-1 or common punctuation (’ “ ” – € …).
func westernText(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x80, r >= 0xC0 && r <= 0xFF && r != 0xD7 && r != 0xF7:
		case strings.ContainsRune("’‘“”–—€…·°ºª«»¡¿ ", r):
		default:
			return false
		}
	}
	return true
}
