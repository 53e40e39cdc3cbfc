package output

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/klauspost/compress/flate"
)

// A table as a .npz file is what numpy.savez writes: a zip archive with
// one .npy array per column, named after the column ("time_ms.npy",
// loaded as npz["time_ms"]), in the order of the CSV file's columns, each
// of shape (rows,) and of its column's dtype (Type), in NPY format 1.0.
// Arrays that deflate cheaply and well (labels) are deflated, as
// numpy.savez_compressed would, by github.com/klauspost/compress/flate at
// its fastest level (the format of the standard library's
// compress/flate, written 2.4 times faster); the others are stored
// (writeNPZ says why).
//
// The arrays are encoded here (npyEncode: a header and the values in
// little-endian order, 60 lines) and read back with npyio
// (codeberg.org/sbinet/npyio), which the tests also use to check every
// header. npyio's own writer cannot do the job: it discovers the dtype by
// reflection on every element (about 7 allocations a value: the CUBA
// second took 74 ms as .npz against 19 ms as CSV), and it writes an empty
// slice with shape () instead of (0,), which NumPy cannot load.

// writeNPZ writes the columns as a .npz archive, each array encoded
// straight into its entry, a chunk at a time. An entry is deflated (at
// the fastest level) where the first chunk of its array shrinks to an
// eighth or less (a column of labels, a constant), and stored otherwise,
// as numpy.savez stores every array: deflating float64 or int64 values
// costs 3–4 ns of CPU per byte it saves (spike times, neuron indices;
// measured on the tables of the CUBA second), ten times what writing the
// byte costs, and a membrane potential's bits do not shrink at all. So a
// .npz table is written several times faster than its CSV text and is
// still a third smaller (BenchmarkCubaTables).
func writeNPZ(w io.Writer, cols []Column, data []colData) error {
	z := zip.NewWriter(w)
	z.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return getFlate(out) })
	for k, c := range cols {
		e := &npzEntry{z: z, name: c.Name + ".npy"}
		if err := npyEncode(e, c.Type, &data[k]); err != nil {
			return fmt.Errorf("column %s: %w", c.Name, err)
		}
	}
	return z.Close()
}

// npzEntry is an entry of a .npz archive, created at its first write,
// when the first chunk of the array (its header and up to npyChunk bytes
// of values) tells whether deflating it pays.
type npzEntry struct {
	z    *zip.Writer
	name string
	w    io.Writer
}

func (e *npzEntry) Write(p []byte) (int, error) {
	if e.w == nil {
		method := zip.Store
		if compresses(p) {
			method = zip.Deflate
		}
		w, err := e.z.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			return 0, err
		}
		e.w = w
	}
	return e.w.Write(p)
}

// compresses reports whether the first 8 KiB of b deflate to at most an
// eighth of their size.
func compresses(b []byte) bool {
	b = b[:min(len(b), 1<<13)]
	var n countBytes
	fw, err := getFlate(&n)
	if err != nil {
		return true
	}
	fw.Write(b)
	fw.Close()
	return int(n)*8 <= len(b)
}

type countBytes int

func (c *countBytes) Write(p []byte) (int, error) { *c += countBytes(len(p)); return len(p), nil }

func getFlate(out io.Writer) (io.WriteCloser, error) {
	select {
	case fw := <-flaters:
		fw.Reset(out)
		return pooledFlate{fw}, nil
	default:
		fw, err := flate.NewWriter(out, flate.BestSpeed)
		return pooledFlate{fw}, err
	}
}

// flaters keeps a few compressors of finished entries: a new one
// allocates about 1 MB, more than a small column holds (a sync.Pool
// loses them at every collection, which these allocations trigger).
var flaters = make(chan *flate.Writer, 4)

// pooledFlate returns its compressor to flaters when closed.
type pooledFlate struct{ *flate.Writer }

func (p pooledFlate) Close() error {
	err := p.Writer.Close()
	select {
	case flaters <- p.Writer:
	default:
	}
	return err
}

// npyHeader is the NPY 1.0 header of a one-dimensional array of n values
// of dtype: the magic string, the version, the length of the header
// dictionary, and the dictionary padded with spaces and ended by a
// newline so that the data start at a multiple of 64 bytes.
func npyHeader(dtype string, n int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }", dtype, n)
	pad := (64 - (10+len(dict)+1)%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	l := len(dict)
	return append([]byte{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, byte(l), byte(l >> 8)}, dict...)
}

// npyChunk is how many bytes of an array npyEncode gathers before it
// writes them.
const npyChunk = 1 << 15

// littleEndian: the machine keeps numbers in .npy's byte order.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// numberBytes is the memory of a slice of 8-byte numbers.
func numberBytes[T int64 | float64](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 8*len(v))
}

// npyEncode writes one column as a .npy array, in chunks of at least
// npyChunk bytes (the last one shorter), the first with the header.
func npyEncode(w io.Writer, t Type, d *colData) error {
	buf := make([]byte, 0, npyChunk+256)
	flush := func(force bool) error {
		if len(buf) >= npyChunk || (force && len(buf) > 0) {
			_, err := w.Write(buf)
			buf = buf[:0]
			return err
		}
		return nil
	}
	switch t {
	case IntType, FloatType:
		n, raw := len(d.f), numberBytes(d.f)
		if t == IntType {
			n, raw = len(d.i), numberBytes(d.i)
		}
		buf = append(buf, npyHeader(t.Dtype(), n)...)
		if littleEndian {
			// the values' memory is their .npy bytes: written as they are,
			// after a first chunk copied behind the header
			k := min(len(raw), npyChunk)
			buf = append(buf, raw[:k]...)
			if err := flush(true); err != nil {
				return err
			}
			for raw = raw[k:]; len(raw) > 0; raw = raw[k:] {
				k = min(len(raw), npyChunk)
				if _, err := w.Write(raw[:k]); err != nil {
					return err
				}
			}
			return nil
		}
		for k := 0; k < len(raw); k += 8 {
			buf = binary.LittleEndian.AppendUint64(buf, binary.NativeEndian.Uint64(raw[k:]))
			if err := flush(false); err != nil {
				return err
			}
		}
	default:
		used := usedLevels(d)
		width := 1
		for k, v := range d.levels {
			if used[k] {
				width = max(width, utf8.RuneCountInString(v))
			}
		}
		enc := make([][]byte, len(d.levels))
		for k, v := range d.levels {
			if !used[k] {
				continue
			}
			for _, r := range v {
				enc[k] = binary.LittleEndian.AppendUint32(enc[k], uint32(r))
			}
			enc[k] = append(enc[k], make([]byte, 4*width-len(enc[k]))...)
		}
		buf = append(buf, npyHeader(t.Dtype()+strconv.Itoa(width), len(d.codes))...)
		for _, c := range d.codes {
			buf = append(buf, enc[c]...)
			if err := flush(false); err != nil {
				return err
			}
		}
	}
	return flush(true)
}

// usedLevels marks the labels of a text column that some row holds: its
// dtype is as wide as the longest of them, whatever other labels it was
// handed (Labels).
func usedLevels(d *colData) []bool {
	used := make([]bool, len(d.levels))
	for _, c := range d.codes {
		used[c] = true
	}
	return used
}

// npzTable is a .npz table read whole: its columns in archive order.
type npzTable struct {
	names []string
	cols  []colData
	types []Type
	rows  int
	// emptyNaN: the column's NaN reads as an empty field (Column.EmptyNaN)
	emptyNaN []bool
}

// maxNPZ bounds what a .npz table may hold once read (bytes of values),
// as the CSV reader is bounded by the file's size: a damaged or hostile
// header cannot make dopa allocate without end.
const maxNPZ = 1 << 32

// readNPZ reads a .npz table (named name in errors): every array must be
// one-dimensional, of a dtype of Type, all of one length.
func readNPZ(path, name string) (*npzTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	z, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: not a .npz archive: %v", name, err)
	}
	t := &npzTable{rows: -1}
	var total uint64
	// Deflate shrinks data at most about 1032-fold: a header that claims
	// more is a lie, refused before anything is allocated for it.
	limit := min(uint64(maxNPZ), 1100*uint64(st.Size())+1<<20)
	for _, e := range z.File {
		col, ok := strings.CutSuffix(e.Name, ".npy")
		if !ok {
			return nil, fmt.Errorf("%s: entry %q is not a .npy array", name, e.Name)
		}
		total += e.UncompressedSize64
		if total > limit {
			return nil, fmt.Errorf("%s: its arrays claim more than %d bytes", name, limit)
		}
		d, typ, n, err := readNPY(e)
		if err != nil {
			return nil, fmt.Errorf("%s: array %s: %v", name, col, err)
		}
		if t.rows >= 0 && n != t.rows {
			return nil, fmt.Errorf("%s: array %s has %d rows, want %d as %s", name, col, n, t.rows, t.names[0])
		}
		t.rows = n
		t.names, t.cols, t.types = append(t.names, col), append(t.cols, d), append(t.types, typ)
	}
	if len(t.names) == 0 {
		return nil, fmt.Errorf("%s: no arrays", name)
	}
	return t, nil
}

// readNPY reads one array of a .npz archive. npyio's header parser
// panics on some malformed headers (found by FuzzReadNPZ): a panic is an
// error here.
func readNPY(e *zip.File) (d colData, typ Type, n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, typ, n, err = colData{}, 0, 0, fmt.Errorf("malformed array: %v", p)
		}
	}()
	rc, err := e.Open()
	if err != nil {
		return d, 0, 0, err
	}
	defer rc.Close()
	r, err := npy.NewReader(bufio.NewReader(rc))
	if err != nil {
		return d, 0, 0, err
	}
	h := r.Header.Descr
	h.Type = strings.Trim(h.Type, "'\"")
	if len(h.Shape) != 1 || h.Fortran {
		return d, 0, 0, fmt.Errorf("shape %v: want one dimension, C order", h.Shape)
	}
	n = h.Shape[0]
	if n < 0 || uint64(n) > e.UncompressedSize64 {
		return d, 0, 0, fmt.Errorf("shape %v: more rows than bytes", h.Shape)
	}
	switch {
	case h.Type == "<i8":
		typ, d.i = IntType, make([]int64, n)
		if n > 0 {
			err = r.Read(&d.i)
		}
	case h.Type == "<f8":
		typ, d.f = FloatType, make([]float64, n)
		if n > 0 {
			err = r.Read(&d.f)
		}
	case strings.HasPrefix(h.Type, "<U"):
		typ = StrType
		d.s = []string{}
		if n > 0 {
			err = r.Read(&d.s)
		}
	default:
		return d, 0, 0, fmt.Errorf("dtype %s: want <i8, <f8 or <U", h.Type)
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = fmt.Errorf("truncated: %v", err)
		}
		return d, 0, 0, err
	}
	return d, typ, n, nil
}
