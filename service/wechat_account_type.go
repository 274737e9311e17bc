package service

import (
	"fmt"
	"slices"
	"strings"
)

// What each kind of official account may do (WECHAT.md, "Account types and
// what the platform lets each do"; the platform's interface-permission
// table). The service asks the platform only for what the configured type
// has: without web OAuth it never redirects to the authorize page and signs
// personal links instead; without parametric QR codes the poster shows the
// account's own QR code and a keyword; reminders go by the channel there is.

// Account types (wechat.account_type).
const (
	AccountServiceVerified      = "service_verified" // 认证服务号, also the sandbox 测试号 (default)
	AccountService              = "service"          // 未认证服务号
	AccountSubscriptionVerified = "subscription_verified"
	AccountSubscription         = "subscription" // 订阅号 (shown as 公众号 since 2024)
)

// AccountTypes lists the types, the default first.
var AccountTypes = []string{AccountServiceVerified, AccountService, AccountSubscriptionVerified, AccountSubscription}

// Capabilities are what an account type may do.
type Capabilities struct {
	OAuth           bool // web OAuth (snsapi_base): identify a follower on a page
	QRCodes         bool // parametric QR codes (one per questionnaire)
	Templates       bool // template messages (reminders at any time)
	CustomerService bool // customer-service messages within 48 h of the follower's last message
	Menu            bool // the custom-menu API
}

// CapabilitiesOf returns what account type t may do; an unknown type is
// treated as the default.
func CapabilitiesOf(t string) Capabilities {
	switch t {
	case AccountService:
		return Capabilities{Menu: true}
	case AccountSubscriptionVerified:
		return Capabilities{CustomerService: true, Menu: true}
	case AccountSubscription:
		return Capabilities{}
	}
	return Capabilities{OAuth: true, QRCodes: true, Templates: true, CustomerService: true, Menu: true}
}

// ValidAccountType reports whether t is one of AccountTypes.
func ValidAccountType(t string) bool { return slices.Contains(AccountTypes, t) }

// DefaultKeyword is what followers send to get the open questionnaires
// (wechat.keyword).
const DefaultKeyword = "评估"

// validateAccountType is the config check of wechat.account_type.
func validateAccountType(t string) error {
	if ValidAccountType(t) {
		return nil
	}
	return fmt.Errorf("wechat.account_type %q: want %s", t, strings.Join(AccountTypes, ", "))
}
