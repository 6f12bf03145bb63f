// Command celcost evaluates ValidatingAdmissionPolicy expressions with the
// API server's own CEL environment, compiler and cost accounting
// (k8s.io/apiserver at the version testbed/go.mod pins), and prints what
// each evaluation cost. palisade's tests compare its offline cost
// accounting with these figures; nothing here is part of palisade.
//
// Input (stdin): policies, objects and the parameter object
//
//	{"policies": [{"variables": [{"name": "...", "expression": "..."}],
//	               "expressions": ["..."]}],
//	 "objects": [{...}], "params": {...}}
//
// Output (stdout): for each policy, for each object,
//
//	{"total": N, "alone": [N, ...], "results": ["true"|"false"|"error: ..."]}
//
// where total is the budget the policy's expressions (and the variables
// they read) consumed in one evaluation of the object, as the API server
// evaluates a binding, alone[i] what expression i consumed evaluated by
// itself, and -1 a budget the API server reports as exhausted.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
)

type variable struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

type policy struct {
	Variables   []variable `json:"variables"`
	Expressions []string   `json:"expressions"`
}

type input struct {
	Policies []policy                 `json:"policies"`
	Objects  []map[string]interface{} `json:"objects"`
	Params   map[string]interface{}   `json:"params"`
}

type output struct {
	Total   int64    `json:"total"`
	Alone   []int64  `json:"alone"`
	Results []string `json:"results"`
}

// compile compiles a policy's variables and exprs as the API server does.
func compile(p policy, exprs []string, hasParams bool) (plugincel.ConditionEvaluator, error) {
	compiler, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	if err != nil {
		return nil, err
	}
	opts := plugincel.OptionalVariableDeclarations{HasParams: hasParams}
	vars := make([]plugincel.NamedExpressionAccessor, len(p.Variables))
	for i, v := range p.Variables {
		vars[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
	}
	compiler.CompileAndStoreVariables(vars, opts, environment.StoredExpressions)
	accessors := make([]plugincel.ExpressionAccessor, len(exprs))
	for i, e := range exprs {
		accessors[i] = &validating.ValidationCondition{Expression: e}
	}
	return compiler.CompileCondition(accessors, opts, environment.StoredExpressions), nil
}

// evaluate runs evaluator on object: the budget consumed and each result.
func evaluate(evaluator plugincel.ConditionEvaluator, object, params map[string]interface{}) (int64, []string) {
	obj := &unstructured.Unstructured{Object: object}
	gvk := obj.GroupVersionKind()
	gvr := schema.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: "objects"}
	attrs := admission.NewAttributesRecord(obj, nil, gvk, obj.GetNamespace(), obj.GetName(), gvr, "", admission.Create, nil, false, nil)
	versioned := &admission.VersionedAttributes{
		Attributes:      attrs,
		VersionedObject: admission.NewLazyObject(obj),
		VersionedKind:   gvk,
	}
	var p runtime.Object
	if params != nil {
		p = &unstructured.Unstructured{Object: params}
	}
	request := plugincel.CreateAdmissionRequest(attrs, metaGVR(gvr), metaGVK(gvk))
	budget := int64(celconfig.RuntimeCELCostBudget)
	results, remaining, err := evaluator.ForInput(context.Background(), versioned, request,
		plugincel.OptionalVariableBindings{VersionedParams: p}, nil, budget)
	if err != nil {
		return -1, []string{"error: " + err.Error()}
	}
	out := make([]string, len(results))
	for i, r := range results {
		switch {
		case r.Error != nil:
			out[i] = "error: " + r.Error.Error()
		case r.EvalResult == nil:
			out[i] = "error: no result"
		default:
			out[i] = fmt.Sprint(r.EvalResult.Value())
		}
	}
	return budget - remaining, out
}

func metaGVR(r schema.GroupVersionResource) metav1.GroupVersionResource {
	return metav1.GroupVersionResource{Group: r.Group, Version: r.Version, Resource: r.Resource}
}

func metaGVK(k schema.GroupVersionKind) metav1.GroupVersionKind {
	return metav1.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind}
}

// integers decode as int64, as the API server's typed objects have them;
// other numbers as float64
func numbers(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, e := range t {
			t[k] = numbers(e)
		}
	case []interface{}:
		for i, e := range t {
			t[i] = numbers(e)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

func main() {
	var in input
	dec := json.NewDecoder(os.Stdin)
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "celcost:", err)
		os.Exit(2)
	}
	for i := range in.Objects {
		in.Objects[i], _ = numbers(in.Objects[i]).(map[string]interface{})
	}
	if in.Params != nil {
		in.Params, _ = numbers(in.Params).(map[string]interface{})
	}
	hasParams := in.Params != nil
	outs := make([][]output, len(in.Policies))
	for n, p := range in.Policies {
		all, err := compile(p, p.Expressions, hasParams)
		if err != nil {
			fmt.Fprintln(os.Stderr, "celcost:", err)
			os.Exit(1)
		}
		each := make([]plugincel.ConditionEvaluator, len(p.Expressions))
		for i, e := range p.Expressions {
			if each[i], err = compile(p, []string{e}, hasParams); err != nil {
				fmt.Fprintln(os.Stderr, "celcost:", err)
				os.Exit(1)
			}
		}
		for _, object := range in.Objects {
			total, results := evaluate(all, object, in.Params)
			o := output{Total: total, Results: results}
			for _, e := range each {
				alone, _ := evaluate(e, object, in.Params)
				o.Alone = append(o.Alone, alone)
			}
			outs[n] = append(outs[n], o)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(outs); err != nil {
		fmt.Fprintln(os.Stderr, "celcost:", err)
		os.Exit(1)
	}
}
