package goal

import "testing"

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"short", "double organic traffic this year"},
		{"full", "increase qualified leads by 20% in Q3 with a $50k budget"},
		{"from-to", "reduce cost per acquisition from $40 to $30 by the end of next quarter"},
		{"error", "cut CPA to $35 by Smarch"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(bc.text, testNow)
			}
		})
	}
}
