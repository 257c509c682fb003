package main

import (
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/strata-go/strata/fallback"
)

var (
	typeOfScenario = reflect.TypeFor[scenario]()
	typeOfNode     = reflect.TypeFor[yaml.Node]()
	typeOfConfig   = reflect.TypeFor[fallback.Config]()
	typeOfKeyList  = reflect.TypeFor[[]keySpec]()
	typeOfGenerate = reflect.TypeFor[generateSpec]()
)
