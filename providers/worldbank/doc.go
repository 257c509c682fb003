// Package worldbank is a provider for the World Bank Indicators API (v2,
// https://datahelpdesk.worldbank.org/knowledgebase/topics/125589), built on
// providers/httpjson. The API needs no key.
//
// # Data type and params
//
// One data type, "development_indicator" unless Config.DataType renames
// it, with params:
//
//	country    required  an ISO 3166 alpha-2 or alpha-3 code, or a World
//	                     Bank aggregate ("US", "DEU", "WLD"); one only
//	indicator  required  the indicator code ("NY.GDP.MKTP.CD",
//	                     "FP.CPI.TOTL.ZG")
//
// Configure the resolver to pass these two and nothing else;
// Provider.Params says the same at run time. The request is
//
//	/v2/country/{country}/indicator/{indicator}?format=json&mrnev=1
//
// mrnev=1 asks for the most recent non-empty value; the answer is the first
// data row with a non-null value (rows come newest first), so a response
// without mrnev's filtering is read correctly too. ObservedAt is the start
// of the row's period at midnight UTC: "2023" is 2023-01-01, "2024M03"
// 2024-03-01, "2023Q4" 2023-10-01.
//
// The response is a two-element array, [paging metadata, data rows].
//
// # Errors
//
// The API reports bad requests with status 200 and a one-element array,
// [{"message": [{"id", "key", "value"}]}]:
//
//	id 105 (service currently unavailable)           Unavailable
//	id 160, 199 (unexpected error)                   Transient
//	any other id (120 invalid value: an unknown
//	country; 175 invalid format: an unknown
//	indicator; ...)                                  Permanent
//	[{...paging with total 0...}, null] (no data)    Permanent
//
// Other statuses follow providers.ClassForStatus; see package httpjson for
// transport failures, body limits and redirects.
package worldbank
