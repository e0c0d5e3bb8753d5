/* One pass over a block of NMEA lines: the fields of every AIS sentence laid out as nearly all
 * are, for `balise.io.nmea_kernel` (the Python reader in `nmea_sentences` does the same with
 * NumPy, in many passes; both give the same columns).
 *
 * A line is handled here only when it is, byte for byte:
 *     [\tag block*hh\]!ccVDM|O,c,n,[s],[ch],payload,f*hh
 * with single-digit count and number, a sequence id and a channel of at most one character, a
 * payload without comma, ASCII only. Anything else (a leading or trailing time, a time line, a
 * non-AIS line, a longer field) makes `scan` return None, and the caller reads the whole block
 * with the Python path: the kernel never has to reproduce the rare cases.
 *
 * Every read is bounds-checked against the line; the loop runs without the interpreter lock.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define UNREADABLE (-2)
#define NO_TIME (-1)
#define MAX_DIGITS 13
#define MS_EPOCH_FLOOR 100000000000LL

enum { OK = 0, BAD_CHECKSUM = 1, BAD_TAG_CHECKSUM = 2, BAD_FRAGMENT = 3, BAD_TIME = 4 };

static int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int hex_byte(const unsigned char *at) {
    int high = hex_value(at[0]), low = hex_value(at[1]);
    return (high >= 0 && low >= 0) ? high * 16 + low : -1;
}

static int digit_value(unsigned char c) { return (c >= '0' && c <= '9') ? c - '0' : -1; }

/* Microseconds of the first `c:` field of a tag block [begin, end), where `begin` is the byte
 * after the opening backslash and `end` the closing one: NO_TIME without one, UNREADABLE when it
 * has no digit or more than MAX_DIGITS. */
static int64_t tag_micros(const unsigned char *line, Py_ssize_t begin, Py_ssize_t end) {
    for (Py_ssize_t i = begin + 1; i < end; i++) {
        if (line[i] != ':' || line[i - 1] != 'c') continue;
        if (i - 2 < 0 || (line[i - 2] != '\\' && line[i - 2] != ',')) continue;
        int64_t value = 0;
        int count = 0;
        Py_ssize_t at = i + 1;
        while (at < end && count <= MAX_DIGITS && digit_value(line[at]) >= 0) {
            if (count < MAX_DIGITS) value = value * 10 + digit_value(line[at]);
            count++;
            at++;
        }
        if (count == 0 || count > MAX_DIGITS) return UNREADABLE;
        return value >= MS_EPOCH_FLOOR ? value * 1000 : value * 1000000;
    }
    return NO_TIME;
}

typedef struct {
    int8_t count, number, fill, problem;
    int64_t micros, key;
    Py_ssize_t payload_begin, payload_end;
} Sentence;

/* XORs into `*xor` and ORs into `*or` the `length` bytes at `at`, eight at a time. */
static void xor_or(const unsigned char *at, Py_ssize_t length, unsigned *xor, unsigned *or) {
    uint64_t word_xor = 0, word_or = 0;
    Py_ssize_t i = 0;
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        memcpy(&word, at + i, 8);
        word_xor ^= word;
        word_or |= word;
    }
    unsigned byte_xor = 0, byte_or = 0;
    for (; i < length; i++) {
        byte_xor ^= at[i];
        byte_or |= at[i];
    }
    for (int k = 0; k < 64; k += 8) {
        byte_xor ^= (unsigned)(word_xor >> k) & 0xFF;
        byte_or |= (unsigned)(word_or >> k) & 0xFF;
    }
    *xor ^= byte_xor;
    *or |= byte_or;
}

/* Reads one line [0, n) into `out`; 0 when the line is not of the handled layout. */
static int read_line(const unsigned char *line, Py_ssize_t n, Sentence *out) {
    unsigned high = 0; /* the OR of every byte of the line: not ASCII when above 0x7F */
    Py_ssize_t bang = 0, tag_end = -1;
    int tag_ok = 1;
    out->micros = NO_TIME;
    if (n > 0 && line[0] == '\\') {
        const unsigned char *closing = memchr(line + 1, '\\', (size_t)(n - 1));
        if (closing == NULL) return 0;
        tag_end = closing - line;
        Py_ssize_t star = tag_end - 3;
        if (star < 1) return 0;
        unsigned sum = 0;
        xor_or(line + 1, star - 1, &sum, &high);
        for (Py_ssize_t i = star; i <= tag_end; i++) high |= line[i];
        tag_ok = line[star] == '*' && (int)sum == hex_byte(line + star + 1);
        out->micros = tag_micros(line, 1, tag_end);
        bang = tag_end + 1;
    }
    /* !ccVD[MO], then c,n, then at most one character of sequence id and of channel */
    if (n - bang < 11 + 6) return 0;
    const unsigned char *s = line + bang;
    if (s[0] != '!' || s[1] < 'A' || s[1] > 'Z' || s[2] < 'A' || s[2] > 'Z' || s[3] != 'V' ||
        s[4] != 'D' || (s[5] != 'M' && s[5] != 'O'))
        return 0;
    if (s[6] != ',' || s[8] != ',' || s[10] != ',') return 0;
    Py_ssize_t at = 11, rest = n - bang;
    int seq = 0, channel = 0;
    if (s[at] != ',') seq = s[at++];
    if (at >= rest || s[at] != ',') return 0;
    at++;
    if (at < rest && s[at] != ',') channel = s[at++];
    if (at >= rest || s[at] != ',') return 0;
    at++;
    /* the payload runs to the comma before the fill bits: `,f*hh` ends the line */
    Py_ssize_t payload_comma = rest - 5;
    if (payload_comma < at) return 0;
    if (s[payload_comma] != ',' || s[rest - 3] != '*' || digit_value(s[rest - 4]) < 0) return 0;
    if (payload_comma > at && memchr(s + at, ',', (size_t)(payload_comma - at)) != NULL) return 0;
    unsigned sum = 0;
    xor_or(s + 1, rest - 4, &sum, &high);
    high |= (unsigned)line[0] | s[rest - 3] | s[rest - 2] | s[rest - 1];
    if (high & 0x80) return 0;
    int count = digit_value(s[7]), number = digit_value(s[9]);
    out->count = (int8_t)count;
    out->number = (int8_t)number;
    out->fill = (int8_t)digit_value(s[rest - 4]);
    out->key = count > 1 ? ((int64_t)seq << 8 | channel) : 0;
    out->payload_begin = bang + at;
    out->payload_end = bang + payload_comma;
    int fragment_ok = count >= 1 && number >= 1 && number <= count;
    if ((int)sum != hex_byte(s + rest - 2))
        out->problem = BAD_CHECKSUM;
    else if (!tag_ok)
        out->problem = BAD_TAG_CHECKSUM;
    else if (!fragment_ok)
        out->problem = BAD_FRAGMENT;
    else if (out->micros == UNREADABLE)
        out->problem = BAD_TIME;
    else
        out->problem = OK;
    return 1;
}

static PyObject *new_bytes(Py_ssize_t size, char **at) {
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, size);
    if (bytes != NULL) *at = PyBytes_AS_STRING(bytes);
    return bytes;
}

/* The output columns of a function: `columns` new bytes objects of `sizes[k]` bytes in `out[k]`,
 * their buffers in `buf[k]`; 0 with an exception set when one cannot be made (those made stay in
 * `out`, for `release_columns`). */
static int new_columns(int columns, const Py_ssize_t *sizes, PyObject **out, char **buf) {
    for (int k = 0; k < columns; k++) {
        out[k] = new_bytes(sizes[k], &buf[k]);
        if (out[k] == NULL) return 0;
    }
    return 1;
}

/* The columns `out` and then `size` as one tuple, which takes the columns over (`out` is emptied);
 * NULL with an exception set, the columns left in `out`, when it cannot be made. */
static PyObject *columns_tuple(int columns, PyObject **out, Py_ssize_t size) {
    PyObject *tuple = PyTuple_New(columns + 1);
    if (tuple == NULL) return NULL;
    PyObject *length = PyLong_FromSsize_t(size);
    if (length == NULL) {
        Py_DECREF(tuple);
        return NULL;
    }
    for (int k = 0; k < columns; k++) {
        PyTuple_SET_ITEM(tuple, k, out[k]);
        out[k] = NULL;
    }
    PyTuple_SET_ITEM(tuple, columns, length);
    return tuple;
}

static void release_columns(int columns, PyObject **out) {
    for (int k = 0; k < columns; k++) Py_CLEAR(out[k]);
}

PyDoc_STRVAR(scan_doc,
             "scan(data, starts, ends, /)\n--\n\n"
             "The sentence fields of the lines [starts[i], ends[i]) of `data` (int64 offsets), or\n"
             "None when a line is not of the handled layout. A tuple of bytes objects: count,\n"
             "number, fill, problem (int8 each), micros, fragment_key (int64), payload_offsets\n"
             "(int64, one more than the lines), payload bytes back to back, and their length.");

static PyObject *scan(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data, starts, ends;
    if (!PyArg_ParseTuple(args, "y*y*y*:scan", &data, &starts, &ends)) return NULL;
    PyObject *result = NULL;
    PyObject *out[8] = {NULL};
    char *buf[8] = {NULL};
    Py_ssize_t n = starts.len / (Py_ssize_t)sizeof(int64_t);
    if (starts.len != ends.len || starts.len % (Py_ssize_t)sizeof(int64_t) != 0) {
        PyErr_SetString(PyExc_ValueError, "starts and ends must be int64 arrays of one length");
        goto done;
    }
    const int64_t *begin = starts.buf, *end = ends.buf;
    Py_ssize_t total = 0; /* the payloads take at most the lines' bytes, however they overlap */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (begin[i] < 0 || end[i] < begin[i] || end[i] > data.len) {
            PyErr_SetString(PyExc_ValueError, "line bounds outside the data");
            goto done;
        }
        total += (Py_ssize_t)(end[i] - begin[i]);
    }
    Py_ssize_t sizes[8] = {n, n, n, n, 8 * n, 8 * n, 8 * (n + 1), total};
    if (!new_columns(8, sizes, out, buf)) goto done;
    const unsigned char *bytes = data.buf;
    int8_t *count = (int8_t *)buf[0], *number = (int8_t *)buf[1], *fill = (int8_t *)buf[2];
    int8_t *problem = (int8_t *)buf[3];
    int64_t *micros = (int64_t *)buf[4], *key = (int64_t *)buf[5], *offsets = (int64_t *)buf[6];
    char *payload = buf[7];
    int64_t written = 0;
    int handled = 1;
    Py_BEGIN_ALLOW_THREADS
    offsets[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Sentence sentence;
        const unsigned char *line = bytes + begin[i];
        if (!read_line(line, (Py_ssize_t)(end[i] - begin[i]), &sentence)) {
            handled = 0;
            break;
        }
        count[i] = sentence.count;
        number[i] = sentence.number;
        fill[i] = sentence.fill;
        problem[i] = sentence.problem;
        micros[i] = sentence.micros;
        key[i] = sentence.key;
        Py_ssize_t length = sentence.payload_end - sentence.payload_begin;
        memcpy(payload + written, line + sentence.payload_begin, (size_t)length);
        written += length;
        offsets[i + 1] = written;
    }
    Py_END_ALLOW_THREADS
    if (!handled) {
        Py_INCREF(Py_None);
        result = Py_None;
        goto done;
    }
    result = columns_tuple(8, out, (Py_ssize_t)written);
done:
    release_columns(8, out);
    PyBuffer_Release(&data);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    return result;
}

/* ---- the lines of a block ---- */

/* The newlines of [at, stop). */
static Py_ssize_t count_newlines(const char *at, const char *stop) {
    Py_ssize_t n = 0;
    while (at < stop && (at = memchr(at, '\n', (size_t)(stop - at))) != NULL) {
        n++;
        at++;
    }
    return n;
}

PyDoc_STRVAR(newlines_doc,
             "newlines(data, begin, end, /)\n--\n\n"
             "The number of newlines in data[begin:end], counted without the interpreter lock.");

static PyObject *newlines(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data;
    Py_ssize_t begin, end, n = 0;
    if (!PyArg_ParseTuple(args, "y*nn:newlines", &data, &begin, &end)) return NULL;
    if (begin < 0 || end < begin || end > data.len) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "byte range outside the data");
        return NULL;
    }
    const char *bytes = data.buf;
    Py_BEGIN_ALLOW_THREADS
    n = count_newlines(bytes + begin, bytes + end);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    return PyLong_FromSsize_t(n);
}


PyDoc_STRVAR(lines_doc,
             "lines(data, begin, end, /)\n--\n\n"
             "Where the lines of data[begin:end] start and end (absolute int64 offsets; a line ends\n"
             "before its newline and before a carriage return ending it; a last line without\n"
             "newline counts). A tuple of bytes objects: starts, ends, then the number of lines.");

static PyObject *lines(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data;
    Py_ssize_t begin, end;
    if (!PyArg_ParseTuple(args, "y*nn:lines", &data, &begin, &end)) return NULL;
    PyObject *result = NULL;
    PyObject *out[2] = {NULL};
    char *buf[2] = {NULL};
    if (begin < 0 || end < begin || end > data.len) {
        PyErr_SetString(PyExc_ValueError, "line range outside the data");
        goto done;
    }
    const char *bytes = data.buf;
    Py_ssize_t n = 0;
    Py_BEGIN_ALLOW_THREADS
    for (const char *at = bytes + begin, *stop = bytes + end; at < stop; n++) {
        const char *newline = memchr(at, '\n', (size_t)(stop - at));
        at = newline == NULL ? stop : newline + 1;
    }
    Py_END_ALLOW_THREADS
    Py_ssize_t sizes[2] = {8 * n, 8 * n};
    if (!new_columns(2, sizes, out, buf)) goto done;
    int64_t *starts = (int64_t *)buf[0], *ends = (int64_t *)buf[1];
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t at = begin;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* a buffer changed by another thread since the count must not take the reads out of
         * [begin, end): the lines past its newlines come out empty */
        if (at > end) at = end;
        const char *newline = at < end ? memchr(bytes + at, '\n', (size_t)(end - at)) : NULL;
        Py_ssize_t stop = newline == NULL ? end : newline - bytes;
        starts[i] = at;
        ends[i] = stop > at && bytes[stop - 1] == '\r' ? stop - 1 : stop;
        at = stop + 1;
    }
    Py_END_ALLOW_THREADS
    result = columns_tuple(2, out, n);
done:
    release_columns(2, out);
    PyBuffer_Release(&data);
    return result;
}

/* ---- the 6-bit payloads of position reports (types 1, 2, 3, 18 and 27), as ais_payload ---- */

#define CLASS_A_BITS 137
#define CLASS_B_BITS 133
#define LONG_RANGE_BITS 94

/* The 6-bit value of an armour character, -1 outside the alphabet (48-87, 96-119). */
static int sixbit(unsigned char c) {
    int low = (int)c - 48;
    if (low < 0 || low > 71 || (low >= 40 && low < 48)) return -1;
    return low > 39 ? low - 8 : low;
}

/* The unsigned field [offset, offset + width) of a payload of 6-bit values (width <= 30). */
static int64_t field(const unsigned char *values, int offset, int width) {
    int first = offset / 6, last = (offset + width - 1) / 6;
    uint64_t value = 0;
    for (int i = first; i <= last; i++) value = value << 6 | values[i];
    value >>= 6 * (last + 1) - offset - width;
    return (int64_t)(value & ((1ULL << width) - 1));
}

static int64_t signed_field(const unsigned char *values, int offset, int width) {
    int64_t value = field(values, offset, width);
    return value - ((value >> (width - 1)) << width);
}

/* Degrees rounded to 6 decimals as pyais computes them (see ais_payload._degrees): the floor of
 * (k * raw + 3) / 6 in millionths, k = 10**5 / units per minute. */
static double degrees(int64_t raw, int64_t k) {
    int64_t scaled = k * raw + 3;
    int64_t floor6 = scaled >= 0 ? scaled / 6 : -((-scaled + 5) / 6);
    return (double)floor6 / 1e6;
}

/* The number n of payloads given as n + 1 int64 offsets into `data` and n int64 fill bits,
 * every offset checked; -1 with a ValueError set when they do not fit. */
static Py_ssize_t payload_count(const Py_buffer *data, const Py_buffer *offsets_buffer,
                                const Py_buffer *fill_buffer) {
    Py_ssize_t n = offsets_buffer->len / (Py_ssize_t)sizeof(int64_t) - 1;
    if (n < 0 || offsets_buffer->len % (Py_ssize_t)sizeof(int64_t) != 0 ||
        fill_buffer->len != n * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "n + 1 int64 offsets and n int64 fill bits expected");
        return -1;
    }
    const int64_t *offsets = offsets_buffer->buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (offsets[i] < 0 || offsets[i + 1] < offsets[i] || offsets[i + 1] > data->len) {
            PyErr_SetString(PyExc_ValueError, "payload offsets outside the data");
            return -1;
        }
    }
    return n;
}

/* The 6-bit values of a payload of `length` characters into `values`, and its number of bits
 * once `fill` (clamped to 0-5) is taken off; -1 when a character is not valid armour. */
static int64_t payload_bits(const unsigned char *payload, Py_ssize_t length, int64_t fill,
                            unsigned char *values) {
    for (Py_ssize_t c = 0; c < length; c++) {
        int value = sixbit(payload[c]);
        if (value < 0) return -1;
        values[c] = (unsigned char)value;
    }
    return 6 * (int64_t)length - (fill < 0 ? 0 : (fill > 5 ? 5 : fill));
}

PyDoc_STRVAR(positions_doc,
             "positions(data, offsets, fill, /)\n--\n\n"
             "Decode the position reports among the payloads data[offsets[i]:offsets[i + 1]]\n"
             "(int64 offsets, int64 fill bits): only types 1, 2, 3, 18 and 27 with valid armour\n"
             "and enough bits; the others are left to the caller. A tuple of bytes objects: rows\n"
             "(uint32), mmsi (int32), msg_type (int8), lat, lon, sog, cog (float64), heading\n"
             "(int16, -1 for none), nav_status (int8, -1 for none), and the number of rows.");

static PyObject *positions(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data, offsets_buffer, fill_buffer;
    if (!PyArg_ParseTuple(args, "y*y*y*:positions", &data, &offsets_buffer, &fill_buffer))
        return NULL;
    PyObject *result = NULL;
    enum { COLUMNS = 9 };
    PyObject *out[COLUMNS] = {NULL};
    char *buf[COLUMNS] = {NULL};
    Py_ssize_t n = payload_count(&data, &offsets_buffer, &fill_buffer);
    if (n < 0) goto done;
    const int64_t *offsets = offsets_buffer.buf, *fill = fill_buffer.buf;
    Py_ssize_t sizes[COLUMNS] = {4 * n, 4 * n, n, 8 * n, 8 * n, 8 * n, 8 * n, 2 * n, n};
    if (!new_columns(COLUMNS, sizes, out, buf)) goto done;
    uint32_t *rows = (uint32_t *)buf[0];
    int32_t *mmsi = (int32_t *)buf[1];
    int8_t *msg_type = (int8_t *)buf[2];
    double *lat = (double *)buf[3], *lon = (double *)buf[4], *sog = (double *)buf[5];
    double *cog = (double *)buf[6];
    int16_t *heading = (int16_t *)buf[7];
    int8_t *nav_status = (int8_t *)buf[8];
    const unsigned char *chars = data.buf;
    Py_ssize_t found = 0;
    Py_BEGIN_ALLOW_THREADS
    unsigned char values[64];
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t length = offsets[i + 1] - offsets[i];
        if (length == 0 || length > (Py_ssize_t)sizeof(values)) continue;
        const unsigned char *payload = chars + offsets[i];
        int type = sixbit(payload[0]);
        if (type != 1 && type != 2 && type != 3 && type != 18 && type != 27) continue;
        int needed = type == 18 ? CLASS_B_BITS : (type == 27 ? LONG_RANGE_BITS : CLASS_A_BITS);
        if (payload_bits(payload, length, fill[i], values) < needed) continue;
        rows[found] = (uint32_t)i;
        msg_type[found] = (int8_t)type;
        mmsi[found] = (int32_t)field(values, 8, 30);
        if (type == 27) {
            int64_t speed = field(values, 79, 6), course = field(values, 85, 9);
            lat[found] = degrees(signed_field(values, 62, 17), 10000);
            lon[found] = degrees(signed_field(values, 44, 18), 10000);
            sog[found] = speed == 63 ? 102.3 : (double)speed;
            cog[found] = course == 511 ? 360.0 : (double)course;
            heading[found] = -1;
            nav_status[found] = (int8_t)field(values, 40, 4);
        } else {
            int shift = type == 18 ? -4 : 0; /* class B fields sit 4 bits earlier */
            lat[found] = degrees(signed_field(values, 89 + shift, 27), 10);
            lon[found] = degrees(signed_field(values, 61 + shift, 28), 10);
            sog[found] = (double)field(values, 50 + shift, 10) / 10.0;
            cog[found] = (double)field(values, 116 + shift, 12) / 10.0;
            heading[found] = (int16_t)field(values, 128 + shift, 9);
            nav_status[found] = type == 18 ? -1 : (int8_t)field(values, 38, 4);
        }
        found++;
    }
    Py_END_ALLOW_THREADS
    result = columns_tuple(COLUMNS, out, found);
done:
    release_columns(COLUMNS, out);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets_buffer);
    PyBuffer_Release(&fill_buffer);
    return result;
}

/* ---- type 5 (static and voyage data), as ais_payload._static_and_voyage ---- */

#define STATIC_VOYAGE_BITS 422
#define MAX_PAYLOAD_CHARS 128

/* 6-bit ASCII of `chars` characters from bit `offset`, cut at the first '@' and stripped of
 * spaces at both ends, appended to `text` at `*written`; `offsets[row + 1]` is set after it. */
static void text_field(const unsigned char *values, int offset, int chars, char *text,
                       int64_t *written, int64_t *offsets, Py_ssize_t row) {
    char decoded[32];
    int length = 0;
    for (int k = 0; k < chars; k++) {
        int value = (int)field(values, offset + 6 * k, 6);
        if (value == 0) break;
        decoded[length++] = (char)(value < 32 ? value + 64 : value);
    }
    int begin = 0;
    while (begin < length && decoded[begin] == ' ') begin++;
    while (length > begin && decoded[length - 1] == ' ') length--;
    memcpy(text + *written, decoded + begin, (size_t)(length - begin));
    *written += length - begin;
    offsets[row + 1] = *written;
}

PyDoc_STRVAR(static_voyage_doc,
             "static_voyage(data, offsets, fill, /)\n--\n\n"
             "Decode the type 5 messages among the payloads (as `positions`) that have valid\n"
             "armour and enough bits. A tuple of bytes objects: rows (uint32), mmsi, imo (int32),\n"
             "ship_type (int16), length, width, draught (float64), eta month, day, hour, minute\n"
             "(int8), then for call sign, name and destination their offsets (int64) and text,\n"
             "then the number of rows.");

static PyObject *static_voyage(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data, offsets_buffer, fill_buffer;
    if (!PyArg_ParseTuple(args, "y*y*y*:static_voyage", &data, &offsets_buffer, &fill_buffer))
        return NULL;
    PyObject *result = NULL;
    enum { COLUMNS = 17 };
    PyObject *out[COLUMNS] = {NULL};
    char *buf[COLUMNS] = {NULL};
    Py_ssize_t n = payload_count(&data, &offsets_buffer, &fill_buffer);
    if (n < 0) goto done;
    const int64_t *offsets = offsets_buffer.buf, *fill = fill_buffer.buf;
    Py_ssize_t sizes[COLUMNS] = {4 * n, 4 * n, 4 * n, 2 * n, 8 * n, 8 * n, 8 * n, n, n, n, n,
                                 8 * (n + 1), 7 * n, 8 * (n + 1), 20 * n, 8 * (n + 1), 20 * n};
    if (!new_columns(COLUMNS, sizes, out, buf)) goto done;
    uint32_t *rows = (uint32_t *)buf[0];
    int32_t *mmsi = (int32_t *)buf[1], *imo = (int32_t *)buf[2];
    int16_t *ship_type = (int16_t *)buf[3];
    double *length_m = (double *)buf[4], *width_m = (double *)buf[5], *draught = (double *)buf[6];
    int8_t *month = (int8_t *)buf[7], *day = (int8_t *)buf[8], *hour = (int8_t *)buf[9];
    int8_t *minute = (int8_t *)buf[10];
    int64_t *call_offsets = (int64_t *)buf[11], *name_offsets = (int64_t *)buf[13];
    int64_t *destination_offsets = (int64_t *)buf[15];
    char *call_text = buf[12], *name_text = buf[14], *destination_text = buf[16];
    const unsigned char *chars = data.buf;
    Py_ssize_t found = 0;
    int64_t call_written = 0, name_written = 0, destination_written = 0;
    Py_BEGIN_ALLOW_THREADS
    unsigned char values[MAX_PAYLOAD_CHARS];
    call_offsets[0] = name_offsets[0] = destination_offsets[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t length = offsets[i + 1] - offsets[i];
        if (length == 0 || length > MAX_PAYLOAD_CHARS) continue;
        const unsigned char *payload = chars + offsets[i];
        if (sixbit(payload[0]) != 5) continue;
        if (payload_bits(payload, length, fill[i], values) < STATIC_VOYAGE_BITS) continue;
        rows[found] = (uint32_t)i;
        mmsi[found] = (int32_t)field(values, 8, 30);
        imo[found] = (int32_t)field(values, 40, 30);
        ship_type[found] = (int16_t)field(values, 232, 8);
        length_m[found] = (double)(field(values, 240, 9) + field(values, 249, 9));
        width_m[found] = (double)(field(values, 258, 6) + field(values, 264, 6));
        month[found] = (int8_t)field(values, 274, 4);
        day[found] = (int8_t)field(values, 278, 5);
        hour[found] = (int8_t)field(values, 283, 5);
        minute[found] = (int8_t)field(values, 288, 6);
        draught[found] = (double)field(values, 294, 8) / 10.0;
        text_field(values, 70, 7, call_text, &call_written, call_offsets, found);
        text_field(values, 112, 20, name_text, &name_written, name_offsets, found);
        text_field(values, 302, 20, destination_text, &destination_written, destination_offsets,
                   found);
        found++;
    }
    Py_END_ALLOW_THREADS
    result = columns_tuple(COLUMNS, out, found);
done:
    release_columns(COLUMNS, out);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets_buffer);
    PyBuffer_Release(&fill_buffer);
    return result;
}

/* ---- type 24 (static data report, parts A and B), as ais_payload._static_part_a / _b ---- */

#define STATIC_DATA_BITS 40
#define PART_A_BITS 160
#define PART_B_BITS 162
#define AUXILIARY_CRAFT_LOW 980000000
#define AUXILIARY_CRAFT_HIGH 989999999

PyDoc_STRVAR(static_data_doc,
             "static_data(data, offsets, fill, /)\n--\n\n"
             "Decode the type 24 messages of part A or B among the payloads (as `positions`) that\n"
             "have valid armour and enough bits for their part. A tuple of bytes objects: rows\n"
             "(uint32), mmsi (int32), part (int8), ship_type (int16, -1 for part A), length and\n"
             "width (float64, NaN for part A and for an auxiliary craft), then for name (part A)\n"
             "and call sign (part B) their offsets (int64) and text, then the number of rows.");

static PyObject *static_data(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data, offsets_buffer, fill_buffer;
    if (!PyArg_ParseTuple(args, "y*y*y*:static_data", &data, &offsets_buffer, &fill_buffer))
        return NULL;
    PyObject *result = NULL;
    enum { COLUMNS = 10 };
    PyObject *out[COLUMNS] = {NULL};
    char *buf[COLUMNS] = {NULL};
    Py_ssize_t n = payload_count(&data, &offsets_buffer, &fill_buffer);
    if (n < 0) goto done;
    const int64_t *offsets = offsets_buffer.buf, *fill = fill_buffer.buf;
    Py_ssize_t sizes[COLUMNS] = {4 * n, 4 * n, n, 2 * n, 8 * n, 8 * n,
                                 8 * (n + 1), 20 * n, 8 * (n + 1), 7 * n};
    if (!new_columns(COLUMNS, sizes, out, buf)) goto done;
    uint32_t *rows = (uint32_t *)buf[0];
    int32_t *mmsi = (int32_t *)buf[1];
    int8_t *part = (int8_t *)buf[2];
    int16_t *ship_type = (int16_t *)buf[3];
    double *length_m = (double *)buf[4], *width_m = (double *)buf[5];
    int64_t *name_offsets = (int64_t *)buf[6], *call_offsets = (int64_t *)buf[8];
    char *name_text = buf[7], *call_text = buf[9];
    const unsigned char *chars = data.buf;
    Py_ssize_t found = 0;
    int64_t name_written = 0, call_written = 0;
    Py_BEGIN_ALLOW_THREADS
    unsigned char values[MAX_PAYLOAD_CHARS];
    name_offsets[0] = call_offsets[0] = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t length = offsets[i + 1] - offsets[i];
        if (length == 0 || length > MAX_PAYLOAD_CHARS) continue;
        const unsigned char *payload = chars + offsets[i];
        if (sixbit(payload[0]) != 24) continue;
        int64_t bits = payload_bits(payload, length, fill[i], values);
        if (bits < STATIC_DATA_BITS) continue;
        int64_t which = field(values, 38, 2);
        if (which > 1 || bits < (which == 0 ? PART_A_BITS : PART_B_BITS)) continue;
        rows[found] = (uint32_t)i;
        mmsi[found] = (int32_t)field(values, 8, 30);
        part[found] = (int8_t)which;
        if (which == 0) {
            ship_type[found] = -1;
            length_m[found] = width_m[found] = NAN;
            text_field(values, 40, 20, name_text, &name_written, name_offsets, found);
            call_offsets[found + 1] = call_written;
        } else {
            ship_type[found] = (int16_t)field(values, 40, 8);
            int auxiliary = mmsi[found] >= AUXILIARY_CRAFT_LOW && mmsi[found] <= AUXILIARY_CRAFT_HIGH;
            length_m[found] = auxiliary ? NAN : (double)(field(values, 132, 9) + field(values, 141, 9));
            width_m[found] = auxiliary ? NAN : (double)(field(values, 150, 6) + field(values, 156, 6));
            name_offsets[found + 1] = name_written;
            text_field(values, 90, 7, call_text, &call_written, call_offsets, found);
        }
        found++;
    }
    Py_END_ALLOW_THREADS
    result = columns_tuple(COLUMNS, out, found);
done:
    release_columns(COLUMNS, out);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets_buffer);
    PyBuffer_Release(&fill_buffer);
    return result;
}

/* ---- byte ranges joined (the raw text of multi-sentence messages) ---- */

PyDoc_STRVAR(gather_doc,
             "gather(data, begin, end, newline_after, /)\n--\n\n"
             "The byte ranges data[begin[i]:end[i]] (int64) back to back, each followed by a\n"
             "newline where newline_after[i] (one byte each) is not zero, as one bytes object.");

static PyObject *gather(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data, begin_buffer, end_buffer, newline_buffer;
    if (!PyArg_ParseTuple(args, "y*y*y*y*:gather", &data, &begin_buffer, &end_buffer,
                          &newline_buffer))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t n = begin_buffer.len / (Py_ssize_t)sizeof(int64_t);
    const int64_t *begin = begin_buffer.buf, *end = end_buffer.buf;
    const unsigned char *newline = newline_buffer.buf;
    if (begin_buffer.len != end_buffer.len || begin_buffer.len % (Py_ssize_t)sizeof(int64_t) != 0 ||
        newline_buffer.len != n) {
        PyErr_SetString(PyExc_ValueError, "n int64 begins and ends and n newline flags expected");
        goto done;
    }
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (begin[i] < 0 || end[i] < begin[i] || end[i] > data.len) {
            PyErr_SetString(PyExc_ValueError, "byte ranges outside the data");
            goto done;
        }
        total += (Py_ssize_t)(end[i] - begin[i]) + (newline[i] != 0);
    }
    char *out = NULL;
    result = new_bytes(total, &out);
    if (result == NULL) goto done;
    const char *bytes = data.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        size_t length = (size_t)(end[i] - begin[i]);
        memcpy(out, bytes + begin[i], length);
        out += length;
        if (newline[i]) *out++ = '\n';
    }
    Py_END_ALLOW_THREADS
done:
    PyBuffer_Release(&data);
    PyBuffer_Release(&begin_buffer);
    PyBuffer_Release(&end_buffer);
    PyBuffer_Release(&newline_buffer);
    return result;
}

static PyMethodDef methods[] = {
    {"newlines", newlines, METH_VARARGS, newlines_doc},
    {"lines", lines, METH_VARARGS, lines_doc},
    {"scan", scan, METH_VARARGS, scan_doc},
    {"positions", positions, METH_VARARGS, positions_doc},
    {"static_voyage", static_voyage, METH_VARARGS, static_voyage_doc},
    {"static_data", static_data, METH_VARARGS, static_data_doc},
    {"gather", gather, METH_VARARGS, gather_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_nmea_kernel",
    "One-pass reading of NMEA AIS sentence lines (see balise.io.nmea_kernel).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__nmea_kernel(void) { return PyModule_Create(&module); }
