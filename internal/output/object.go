package output

import (
	"bytes"
	"encoding/json"
)

// Object is a JSON object whose keys keep the order they were added in
// (summary.json lists a run's fields in a fixed order, whatever produced
// them).
type Object []Field

// Field is one key of an Object and its value (marshalled by
// encoding/json; a nil pointer is null).
type Field struct {
	Key   string
	Value any
}

// Add appends a field.
func (o *Object) Add(key string, v any) { *o = append(*o, Field{key, v}) }

// Get returns the value of a key.
func (o Object) Get(key string) (any, bool) {
	for _, f := range o {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// Num returns the number at a key, nil if absent, null or not a number.
func (o Object) Num(key string) *float64 {
	v, _ := o.Get(key)
	switch x := v.(type) {
	case *float64:
		return x
	case float64:
		return &x
	case int:
		f := float64(x)
		return &f
	case *int:
		if x != nil {
			f := float64(*x)
			return &f
		}
	}
	return nil
}

// MarshalJSON writes the fields in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
