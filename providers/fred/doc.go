// Package fred is a provider for FRED, the Federal Reserve Bank of St.
// Louis's economic data API (https://fred.stlouisfed.org/docs/api/fred/),
// built on providers/httpjson. It answers the latest observation of a
// series from fred/series/observations.
//
// # Data type and params
//
// One data type, "economic_series" unless Config.DataType renames it, with
// params:
//
//	series_id  required  the FRED series ("UNRATE", "GDP", "DGS10")
//	units      optional  FRED's transformation: lin (default), chg, ch1,
//	                     pch, pc1 (percent change from a year ago — a growth
//	                     rate), pca, cch, cca, log
//
// Configure the resolver to pass these and nothing else; Provider.Params
// says the same at run time. The provider asks for the latest
// Config.Observations observations, newest first, and answers the newest
// whose value is not FRED's "." (no data for that date — a holiday, a
// series not yet updated). ObservedAt is the observation's date (the start
// of its period) at midnight UTC.
//
// # Credentials
//
// The API key is Request.Credential, from the host's providers.Credentials
// at call time, sent as the api_key query param. A request without one
// fails as Auth before anything is sent; the key never appears in an error.
//
// # Errors
//
// FRED reports errors with a status and {"error_code", "error_message"}:
//
//	400 "...api_key is not registered" / "api_key is not set"   Auth
//	400 "The series does not exist", a bad units value           Permanent
//	429 "Too Many Requests"                                      RateLimit
//	200 with no observations                                     Permanent
//	200 with only "." among the latest observations              DataQuality
//
// Other statuses follow providers.ClassForStatus; see package httpjson for
// transport failures, body limits and redirects.
package fred
