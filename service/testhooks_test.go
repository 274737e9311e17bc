package service

// What the external tests (package service_test: those that need the
// packages built on this one, such as service/wechat) share with the
// internal ones.
var (
	TestSealer   = testSealer
	SettingValue = settingValue
)
