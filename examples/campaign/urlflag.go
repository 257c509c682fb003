package main

import (
	"fmt"
	"net/url"
)

// checkBaseURL checks a -*-url flag's value: an http or https URL with a
// host, or "" for the public API.
func checkBaseURL(name, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-%s %q: want an http or https URL, such as https://api.example.com", name, s)
	}
	return nil
}
