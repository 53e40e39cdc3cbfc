package output

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// A minimal HDF5 writer, for what a SONATA spike file holds: groups,
// one-dimensional contiguous datasets of float64 and uint64, and scalar
// attributes of a fixed-length ASCII string or an 8-bit enumeration. It
// writes the file format 2.0 structures the HDF5 library writes with
// H5Pset_libver_bounds(H5F_LIBVER_V18): a version 2 superblock, version 2
// object headers ("OHDR", Jenkins lookup3 checksums), groups whose links
// are messages of their header (compact storage), datasets with a
// version 3 contiguous layout. Debian's h5dump and h5py read it (the
// HDF5 tests).
//
// Why not github.com/scigolib/hdf5 (v0.14.0, which the module proxy
// serves and whose datasets h5dump reads): it writes every attribute as
// an array of one element (dataspace SIMPLE (1), never SCALAR) and has no
// enumeration attributes. SONATA's `sorting` is an enumeration
// (libsonata reads it as HighFive's EnumType {none, by_id, by_time}: a
// string cannot be converted to it), and BMTK looks the attribute's value
// up in a dict, which fails on a NumPy array ("unhashable type:
// 'numpy.ndarray'"). It also refuses datasets of length 0.

// h5Node is a group or a dataset to write.
type h5Node struct {
	name     string
	children []*h5Node // a group's
	attrs    []h5Attr
	f64      []float64 // a dataset's values: f64 or u64
	u64      []uint64
	isData   bool
	addr     uint64 // of its object header, once written
}

// h5Attr is a scalar attribute: a string, or an enumeration value.
type h5Attr struct {
	name  string
	str   string
	enum  []string // the members, valued 0, 1, …; nil for a string
	value int8
}

const h5Undef = ^uint64(0)

type h5File struct{ b []byte }

func (f *h5File) u8(v uint8)   { f.b = append(f.b, v) }
func (f *h5File) u16(v uint16) { f.b = binary.LittleEndian.AppendUint16(f.b, v) }
func (f *h5File) u32(v uint32) { f.b = binary.LittleEndian.AppendUint32(f.b, v) }
func (f *h5File) u64(v uint64) { f.b = binary.LittleEndian.AppendUint64(f.b, v) }

// encodeHDF5 returns the file of a root group.
func encodeHDF5(root *h5Node) []byte {
	f := &h5File{b: make([]byte, 48, 1<<16)} // the superblock, written last
	f.write(root)
	sb := &h5File{}
	sb.b = append(sb.b, 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n')
	sb.u8(2) // superblock version
	sb.u8(8) // size of offsets
	sb.u8(8) // size of lengths
	sb.u8(0) // file consistency flags
	sb.u64(0)
	sb.u64(h5Undef)          // no superblock extension
	sb.u64(uint64(len(f.b))) // end of file
	sb.u64(root.addr)        // root group's object header
	sb.u32(lookup3(sb.b, 0)) // checksum
	copy(f.b, sb.b)
	return f.b
}

// write writes a node's children, its data, then its object header.
func (f *h5File) write(n *h5Node) {
	var msgs [][]byte // type, then data
	if n.isData {
		addr := uint64(len(f.b))
		var size uint64
		var dtype []byte
		count := len(n.f64) + len(n.u64)
		if n.u64 != nil {
			dtype = h5Fixed(8, false)
			for _, v := range n.u64 {
				f.u64(v)
			}
			size = 8 * uint64(len(n.u64))
		} else {
			dtype = h5Float64()
			for _, v := range n.f64 {
				f.u64(math.Float64bits(v))
			}
			size = 8 * uint64(len(n.f64))
		}
		if size == 0 {
			addr = h5Undef // no storage allocated
		}
		msgs = append(msgs, h5Msg(0x01, h5Simple(uint64(count))), h5Msg(0x03, dtype),
			h5Msg(0x05, []byte{3, 0x09}), // fill value v3: allocated early, written if set, none defined
			h5Msg(0x08, h5Contiguous(addr, size)))
	} else {
		for _, c := range n.children {
			f.write(c)
		}
		li := &h5File{}
		li.u8(0) // link info version
		li.u8(0) // no creation order
		li.u64(h5Undef)
		li.u64(h5Undef)
		msgs = append(msgs, h5Msg(0x02, li.b), h5Msg(0x0A, []byte{0, 0}))
		kids := append([]*h5Node(nil), n.children...)
		sort.Slice(kids, func(i, j int) bool { return kids[i].name < kids[j].name })
		for _, c := range kids {
			l := &h5File{}
			l.u8(1) // link version
			l.u8(0) // 1-byte name length, hard link, ASCII
			l.u8(uint8(len(c.name)))
			l.b = append(l.b, c.name...)
			l.u64(c.addr)
			msgs = append(msgs, h5Msg(0x06, l.b))
		}
	}
	for _, a := range n.attrs {
		msgs = append(msgs, h5Msg(0x0C, h5Attribute(a)))
	}
	n.addr = uint64(len(f.b))
	start := len(f.b)
	f.b = append(f.b, 'O', 'H', 'D', 'R', 2, 0x02) // version 2; a 4-byte chunk size
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	f.u32(uint32(size))
	for _, m := range msgs {
		f.b = append(f.b, m...)
	}
	f.u32(lookup3(f.b[start:], 0))
}

// h5Msg is a header message: type, size, flags (0), data.
func h5Msg(typ uint8, data []byte) []byte {
	m := &h5File{}
	m.u8(typ)
	m.u16(uint16(len(data)))
	m.u8(0)
	m.b = append(m.b, data...)
	return m.b
}

// h5Simple is a version 2 dataspace of one dimension.
func h5Simple(n uint64) []byte {
	m := &h5File{b: []byte{2, 1, 0, 1}}
	m.u64(n)
	return m.b
}

// h5Scalar is a version 2 scalar dataspace.
func h5Scalar() []byte { return []byte{2, 0, 0, 0} }

// h5Contiguous is a version 3 contiguous data layout.
func h5Contiguous(addr, size uint64) []byte {
	m := &h5File{b: []byte{3, 1}}
	m.u64(addr)
	m.u64(size)
	return m.b
}

// h5Fixed is a little-endian integer datatype of size bytes.
func h5Fixed(size int, signed bool) []byte {
	var bits uint8
	if signed {
		bits = 0x08
	}
	m := &h5File{b: []byte{0x10 | 0, bits, 0, 0}} // version 1, class 0
	m.u32(uint32(size))
	m.u16(0)                // bit offset
	m.u16(uint16(8 * size)) // bit precision
	return m.b
}

// h5Float64 is the IEEE 754 little-endian double datatype.
func h5Float64() []byte {
	m := &h5File{b: []byte{0x10 | 1, 0x20, 63, 0}} // version 1, class 1; mantissa MSB implied; sign at bit 63
	m.u32(8)
	m.u16(0)    // bit offset
	m.u16(64)   // bit precision
	m.u8(52)    // exponent location
	m.u8(11)    // exponent size
	m.u8(0)     // mantissa location
	m.u8(52)    // mantissa size
	m.u32(1023) // exponent bias
	return m.b
}

// h5String is a fixed-length, null-terminated ASCII string datatype.
func h5String(size int) []byte {
	m := &h5File{b: []byte{0x10 | 3, 0, 0, 0}}
	m.u32(uint32(size))
	return m.b
}

// h5Enum is an enumeration of members valued 0, 1, … over a signed
// 8-bit base (version 1: names null-terminated, padded to 8 bytes).
func h5Enum(members []string) []byte {
	m := &h5File{b: []byte{0x10 | 8, byte(len(members)), byte(len(members) >> 8), 0}}
	m.u32(1)
	m.b = append(m.b, h5Fixed(1, true)...)
	for _, s := range members {
		n := (len(s) + 1 + 7) / 8 * 8
		m.b = append(m.b, s...)
		m.b = append(m.b, make([]byte, n-len(s))...)
	}
	for i := range members {
		m.u8(uint8(i))
	}
	return m.b
}

// h5Attribute is a version 3 attribute message of a scalar attribute.
func h5Attribute(a h5Attr) []byte {
	var dtype, data []byte
	if a.enum != nil {
		dtype, data = h5Enum(a.enum), []byte{byte(a.value)}
	} else {
		dtype, data = h5String(len(a.str)+1), append([]byte(a.str), 0)
	}
	space := h5Scalar()
	m := &h5File{b: []byte{3, 0}}
	m.u16(uint16(len(a.name) + 1))
	m.u16(uint16(len(dtype)))
	m.u16(uint16(len(space)))
	m.u8(0) // ASCII name
	m.b = append(m.b, a.name...)
	m.u8(0)
	m.b = append(m.b, dtype...)
	m.b = append(m.b, space...)
	m.b = append(m.b, data...)
	return m.b
}

// lookup3 is Bob Jenkins' hashlittle, the checksum of HDF5's metadata
// (H5_checksum_lookup3).
func lookup3(k []byte, initval uint32) uint32 {
	rot := func(x uint32, n uint) uint32 { return x<<n | x>>(32-n) }
	a := 0xdeadbeef + uint32(len(k)) + initval
	b, c := a, a
	for len(k) > 12 {
		a += binary.LittleEndian.Uint32(k[0:])
		b += binary.LittleEndian.Uint32(k[4:])
		c += binary.LittleEndian.Uint32(k[8:])
		a -= c
		a ^= rot(c, 4)
		c += b
		b -= a
		b ^= rot(a, 6)
		a += c
		c -= b
		c ^= rot(b, 8)
		b += a
		a -= c
		a ^= rot(c, 16)
		c += b
		b -= a
		b ^= rot(a, 19)
		a += c
		c -= b
		c ^= rot(b, 4)
		b += a
		k = k[12:]
	}
	if len(k) == 0 {
		return c
	}
	var tail [12]byte
	copy(tail[:], k)
	a += binary.LittleEndian.Uint32(tail[0:])
	b += binary.LittleEndian.Uint32(tail[4:])
	c += binary.LittleEndian.Uint32(tail[8:])
	c ^= b
	c -= rot(b, 14)
	a ^= c
	a -= rot(c, 11)
	b ^= a
	b -= rot(a, 25)
	c ^= b
	c -= rot(b, 16)
	a ^= c
	a -= rot(c, 4)
	b ^= a
	b -= rot(a, 14)
	c ^= b
	c -= rot(b, 24)
	return c
}

// h5Check refuses names the writer cannot write (a link name is at most
// 255 bytes; "/" and "." would make another path).
func h5Check(name string) error {
	if name == "" || len(name) > 255 || name == "." {
		return fmt.Errorf("name %q: want 1 to 255 bytes", name)
	}
	for _, r := range name {
		if r == '/' || r == 0 || r >= 0x80 {
			return fmt.Errorf("name %q: want ASCII without '/'", name)
		}
	}
	return nil
}
