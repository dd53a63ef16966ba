package serial

import (
	"encoding/binary"
	"unsafe"

	"github.com/kio-go/kafka-protocol/kio"
	"github.com/kio-go/kafka-protocol/kio/internal/wire"
)

// Direct decoding (a fast path, see optimize), the other half of direct.go: the
// elements of an array of structs whose fields are fixed-width numbers and compact
// int32 lists only (partitions with their replica and ISR lists) are read by one
// call-free loop over elements and fields that keeps the input position and the int32
// arena chunk in registers, where the general loop reads and writes them through the
// reader after every field. Whatever it does not shortcut (short input, a null or
// long list, a full arena chunk, tagged fields) it hands back to decodeDirect, which
// reads that one field or section by its general rule and resumes.

// compileDirectDecode sets pl.directDecode when pl is direct (direct.go), has no
// strings or other lists, and sets no defaults before decoding.
func (pl *plan) compileDirectDecode() {
	if pl.direct == nil || len(pl.defaults) != 0 {
		return
	}
	for _, d := range pl.direct {
		if d.kind == dString || d.kind == dList {
			return
		}
	}
	pl.directDecode = true
}

// directDecodeArgs holds what directDecodeRun reads once per value or list, in
// memory rather than in registers the loop needs.
type directDecodeArgs struct {
	pl    *plan
	data  unsafe.Pointer // the first value
	size  uintptr        // the distance between values
	count int
	chunk unsafe.Pointer // the int32 chunk's free part, avail values long
	avail int
}

// directDecodeRun reads fields from value i, field j on, until the end or a field it
// leaves to its caller; it returns where it stopped and why (direct.go's stops). The
// input and the int32 chunk are held as pointers and lengths, and every read is
// checked against the input's length first, so the loads need no bounds checks and
// few values stay live (more spilled the loop's state to the stack).
func (r *reader) directDecodeRun(a *directDecodeArgs, i, j int) (int, int, int) {
	base, end, off := unsafe.Pointer(unsafe.SliceData(r.buf)), len(r.buf), r.off
	a.chunk, a.avail = unsafe.Pointer(unsafe.SliceData(r.Int32Free)), len(r.Int32Free)
	used := 0
	ops := a.pl.direct
	stop := directDone
	uj := uint(j)
	for ; i < a.count; i, uj = i+1, 0 {
		p := unsafe.Add(a.data, uintptr(i)*a.size)
		for ; uj < uint(len(ops)); uj++ {
			d := &ops[uj]
			fp := unsafe.Add(p, d.offset)
			left := end - off
			switch d.kind {
			case dInt32:
				if left < 4 {
					stop = directField
					goto out
				}
				*(*uint32)(fp) = binary.BigEndian.Uint32((*[4]byte)(unsafe.Add(base, off))[:])
				off += 4
			case dInt16:
				if left < 2 {
					stop = directField
					goto out
				}
				*(*uint16)(fp) = binary.BigEndian.Uint16((*[2]byte)(unsafe.Add(base, off))[:])
				off += 2
			case dInt64:
				if left < 8 {
					stop = directField
					goto out
				}
				*(*uint64)(fp) = binary.BigEndian.Uint64((*[8]byte)(unsafe.Add(base, off))[:])
				off += 8
			case dInt8:
				if left < 1 {
					stop = directField
					goto out
				}
				*(*byte)(fp) = *(*byte)(unsafe.Add(base, off))
				off++
			case dBool:
				if left < 1 {
					stop = directField
					goto out
				}
				*(*bool)(fp) = *(*byte)(unsafe.Add(base, off)) != 0 // any non-zero byte, as Kafka reads it
				off++
			case dUUID:
				if left < 16 {
					stop = directField
					goto out
				}
				*(*kio.UUID)(fp) = *(*kio.UUID)(unsafe.Add(base, off))
				off += 16
			case dList32:
				if left < 1 {
					stop = directField
					goto out
				}
				n, short := wire.ShortCompactLength(*(*byte)(unsafe.Add(base, off)))
				if !short || n < 0 || left-1 < 4*n || n > a.avail-used {
					stop = directField // null, long, short of input, or a new chunk
					goto out
				}
				off++
				h := sliceAt(fp)
				if n == 0 {
					*h = sliceHeader{data: unsafe.Pointer(&zeroLen)}
					continue
				}
				// Pointers inside the chunk and the input only: n > 0 values fit.
				q := unsafe.Add(a.chunk, 4*used)
				*h = sliceHeader{data: q, len: n, cap: n}
				k := 0
				for ; k+2 <= n; k += 2 { // two values a step: lists are short
					src := (*[8]byte)(unsafe.Add(base, off+4*k))
					*(*int32)(unsafe.Add(q, 4*k)) = int32(binary.BigEndian.Uint32(src[:4]))
					*(*int32)(unsafe.Add(q, 4*k+4)) = int32(binary.BigEndian.Uint32(src[4:]))
				}
				if k < n {
					*(*int32)(unsafe.Add(q, 4*k)) = int32(binary.BigEndian.Uint32((*[4]byte)(unsafe.Add(base, off+4*k))[:]))
				}
				off += 4 * n
				used += n
			default:
				stop = directField
				goto out
			}
		}
		if a.pl.flexible {
			if off < end && *(*byte)(unsafe.Add(base, off)) == wire.EmptyTaggedFields {
				off++
				continue
			}
			stop = directTagged
			goto out
		}
	}
out:
	r.off = off
	r.Int32Used += used
	r.Int32Free = r.Int32Free[used:]
	return i, int(uj), stop
}

// decodeDirect fills the count zeroed structs of pl's type laid out size bytes apart
// from data, an array's elements, as fillArray's loop over pl.decode would.
func (pl *plan) decodeDirect(r *reader, data unsafe.Pointer, count int, size uintptr) {
	i, j, stop := 0, 0, 0
	a := directDecodeArgs{pl: pl, data: data, size: size, count: count}
	for {
		if i, j, stop = r.directDecodeRun(&a, i, j); stop == directDone {
			return
		}
		p := unsafe.Add(data, uintptr(i)*size) // value i < count
		switch stop {
		case directTagged:
			pl.decodeTagged(r, p)
			if r.err != nil {
				r.errAt("", i)
				return
			}
			i, j = i+1, 0
		default: // directField
			o := pl.ops[j]
			decodeValue(r, o, unsafe.Add(p, o.offset))
			if r.err != nil {
				r.errAt(o.name, 0)
				r.errAt("", i)
				return
			}
			j++
		}
	}
}
