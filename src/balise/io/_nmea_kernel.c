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

/* Reads one line [0, n) into `out`; 0 when the line is not of the handled layout. */
static int read_line(const unsigned char *line, Py_ssize_t n, Sentence *out) {
    unsigned char high = 0;
    for (Py_ssize_t i = 0; i < n; i++) high |= line[i];
    if (high & 0x80) return 0;
    Py_ssize_t bang = 0, tag_end = -1;
    int tag_ok = 1;
    out->micros = NO_TIME;
    if (n > 0 && line[0] == '\\') {
        const unsigned char *closing = memchr(line + 1, '\\', (size_t)(n - 1));
        if (closing == NULL) return 0;
        tag_end = closing - line;
        Py_ssize_t star = tag_end - 3;
        if (star < 1) return 0;
        int sum = 0;
        for (Py_ssize_t i = 1; i < star; i++) sum ^= line[i];
        tag_ok = line[star] == '*' && sum == hex_byte(line + star + 1);
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
    int sum = 0;
    for (Py_ssize_t i = 1; i < rest - 3; i++) sum ^= s[i];
    int count = digit_value(s[7]), number = digit_value(s[9]);
    out->count = (int8_t)count;
    out->number = (int8_t)number;
    out->fill = (int8_t)digit_value(s[rest - 4]);
    out->key = count > 1 ? ((int64_t)seq << 8 | channel) : 0;
    out->payload_begin = bang + at;
    out->payload_end = bang + payload_comma;
    int fragment_ok = count >= 1 && number >= 1 && number <= count;
    if (sum != hex_byte(s + rest - 2))
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
    for (Py_ssize_t i = 0; i < n; i++) {
        if (begin[i] < 0 || end[i] < begin[i] || end[i] > data.len) {
            PyErr_SetString(PyExc_ValueError, "line bounds outside the data");
            goto done;
        }
    }
    Py_ssize_t sizes[8] = {n, n, n, n, 8 * n, 8 * n, 8 * (n + 1), data.len};
    for (int k = 0; k < 8; k++) {
        out[k] = new_bytes(sizes[k], &buf[k]);
        if (out[k] == NULL) goto done;
    }
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
    result = Py_BuildValue("(NNNNNNNNn)", out[0], out[1], out[2], out[3], out[4], out[5], out[6],
                           out[7], (Py_ssize_t)written);
    if (result != NULL)
        for (int k = 0; k < 8; k++) out[k] = NULL; /* stolen by the tuple */
done:
    for (int k = 0; k < 8; k++) Py_XDECREF(out[k]);
    PyBuffer_Release(&data);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, scan_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_nmea_kernel",
    "One-pass reading of NMEA AIS sentence lines (see balise.io.nmea_kernel).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__nmea_kernel(void) { return PyModule_Create(&module); }
