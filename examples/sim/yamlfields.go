package main

import (
	"reflect"

	"go.yaml.in/yaml/v3"
)

var (
	typeOfScenario = reflect.TypeFor[scenario]()
	typeOfNode     = reflect.TypeFor[yaml.Node]()
)
