/* One pass over a batch of DCSA Track & Trace JSON lines: the event's columns (the text leaves,
 * objects and lists of `balise.io.dcsa_shape.EVENT_DTYPE`) as Arrow buffers, for
 * `balise.io.dcsa_kernel`, the same values DuckDB's `from_json` gives for the same lines.
 *
 * A line is decoded here only when it is strict JSON of the plain kind: an object, each key of
 * the shape once and without escapes, a text leaf a string (escapes decoded as `json.loads`
 * does, but `\u0000` and surrogates), a number DuckDB writes as it is (`as_written`: kept as
 * written), `true`, `false` or `null`; an object of the shape an object or null, a list an
 * array of objects or null. Keys the shape does not have are skipped (their values checked as
 * JSON, nested at most `MAX_DEPTH` deep). Any other line (malformed, a float DuckDB writes
 * otherwise, an object where text is expected, a duplicate key...) is left to the caller, whose
 * reader decodes it as before: the kernel never has to reproduce the rare cases.
 *
 * It also counts the texts that are empty or may begin or end with a space (`trimmed`), so
 * that the mapping may skip trimming a batch without any. The texts reach polars as Arrow
 * string views into the kernel's buffers (`put_views`), which polars takes without copying.
 *
 * `split` cuts a block of the input into its lines the same way: Arrow string views into the
 * block, no text copied.
 *
 * Every read is bounds-checked against the line; the loop runs without the interpreter lock.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_CHILDREN 64
#define SLOTS 1024 /* the keys' hash table: more than four times the nodes */

enum { TEXT = 0, OBJECT = 1, LIST = 2 };
enum { DONE = 0, OTHER = -1, NO_MEMORY = -2 };

typedef struct {
    char *at;
    size_t size, capacity;
} grow_t;

typedef struct {
    int kind, parent, first_child, next_sibling, position;
    const char *name;
    size_t name_size;
    grow_t valid;   /* one byte an entry, 1 when not null */
    grow_t offsets; /* int32 an entry after a first 0 (text and list) */
    grow_t data;    /* the texts back to back (text) */
    const int16_t *slots; /* the hash table of every node's keys (`find`) */
    size_t untrimmed; /* texts empty or with a space (or a non-ASCII character) at an end */
    const size_t *rows; /* outside lists: the lines decoded so far, its entries being written
                           only when a value comes (the nulls before it then), not at each null */
} node_t;

typedef struct {
    size_t valid, offsets, data;
} mark_t;

static inline unsigned slot_of(int parent, const char *key, size_t size) {
    unsigned first = size ? (unsigned char)key[0] : 0, last = size ? (unsigned char)key[size - 1] : 0;
    return ((unsigned)parent * 131u + (unsigned)size * 31u + first * 7u + last * 17u) % SLOTS;
}

/* The child of `parent` named `key`, -1 when it has none. */
static inline int find(const node_t *nodes, int parent, const char *key, size_t size) {
    const int16_t *slots = nodes[0].slots;
    for (unsigned slot = slot_of(parent, key, size);; slot = (slot + 1) % SLOTS) {
        int found = slots[slot];
        if (found < 0) return -1;
        if (nodes[found].parent == parent && nodes[found].name_size == size &&
            memcmp(nodes[found].name, key, size) == 0)
            return found;
    }
}

static int grow_to(grow_t *g, size_t needed) {
    size_t capacity = g->capacity ? g->capacity : 256;
    while (capacity < needed) capacity *= 2;
    char *at = realloc(g->at, capacity);
    if (at == NULL) return NO_MEMORY;
    g->at = at;
    g->capacity = capacity;
    return DONE;
}

static inline int grow(grow_t *g, size_t extra) {
    return g->size + extra <= g->capacity ? DONE : grow_to(g, g->size + extra);
}

static inline int put(grow_t *g, const void *bytes, size_t size) {
    if (grow(g, size) != DONE) return NO_MEMORY;
    memcpy(g->at + g->size, bytes, size);
    g->size += size;
    return DONE;
}

static inline int put_byte(grow_t *g, char byte) {
    if (grow(g, 1) != DONE) return NO_MEMORY;
    g->at[g->size++] = byte;
    return DONE;
}

/* Null entries of `node` up to `entries`. */
static int pad(node_t *node, size_t entries) {
    size_t missing = entries > node->valid.size ? entries - node->valid.size : 0;
    if (missing == 0) return DONE;
    if (grow(&node->valid, missing) != DONE) return NO_MEMORY;
    memset(node->valid.at + node->valid.size, 0, missing);
    node->valid.size += missing;
    if (node->kind == OBJECT) return DONE;
    grow_t *offsets = &node->offsets;
    if (grow(offsets, 4 * missing) != DONE) return NO_MEMORY;
    for (size_t k = 0; k < missing; k++) {
        memcpy(offsets->at + offsets->size, offsets->at + offsets->size - 4, 4);
        offsets->size += 4;
    }
    return DONE;
}

/* The validity of `node`'s next entry (the nulls before it first, outside lists). */
static inline int put_valid(node_t *node, int valid) {
    if (node->rows != NULL && pad(node, *node->rows) != DONE) return NO_MEMORY;
    return put_byte(&node->valid, (char)valid);
}

/* An entry of a text or list node ending `extra` bytes or items after the one before. */
static inline int put_entry(node_t *node, int valid, int32_t extra) {
    grow_t *offsets = &node->offsets;
    if (put_valid(node, valid) != DONE || grow(offsets, 4) != DONE) return NO_MEMORY;
    int32_t end;
    memcpy(&end, offsets->at + offsets->size - 4, 4);
    end += extra;
    memcpy(offsets->at + offsets->size, &end, 4);
    offsets->size += 4;
    return DONE;
}

static inline const char *spaces(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static int literal(const char **p, const char *end, const char *word) {
    size_t size = strlen(word);
    if ((size_t)(end - *p) < size || memcmp(*p, word, size) != 0) return 0;
    *p += size;
    return 1;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static long hex4(const char *p, const char *end) {
    if (end - p < 4) return -1;
    long value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_digit(p[i]);
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    return value;
}

static int put_utf8(grow_t *out, long code) {
    char bytes[4];
    size_t size;
    if (code < 0x80) {
        bytes[0] = (char)code;
        size = 1;
    } else if (code < 0x800) {
        bytes[0] = (char)(0xC0 | (code >> 6));
        bytes[1] = (char)(0x80 | (code & 0x3F));
        size = 2;
    } else {
        bytes[0] = (char)(0xE0 | (code >> 12));
        bytes[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        bytes[2] = (char)(0x80 | (code & 0x3F));
        size = 3;
    }
    return put(out, bytes, size);
}

/* The string at `*p` (its opening quote), decoded into `out` when `out` is not NULL. */
static int string(const char **p, const char *end, grow_t *out) {
    const char *s = *p + 1;
    for (;;) {
        const char *run = s;
        while (s < end && *s != '"' && *s != '\\' && (unsigned char)*s >= 0x20) s++;
        if (out != NULL && s > run && put(out, run, (size_t)(s - run)) != DONE) return NO_MEMORY;
        if (s >= end || (unsigned char)*s < 0x20) return OTHER;
        if (*s == '"') break;
        if (end - s < 2) return OTHER;
        char escaped = s[1], plain;
        s += 2;
        switch (escaped) {
        case '"': plain = '"'; break;
        case '\\': plain = '\\'; break;
        case '/': plain = '/'; break;
        case 'b': plain = '\b'; break;
        case 'f': plain = '\f'; break;
        case 'n': plain = '\n'; break;
        case 'r': plain = '\r'; break;
        case 't': plain = '\t'; break;
        case 'u': {
            long code = hex4(s, end);
            if (code <= 0 || (code >= 0xD800 && code <= 0xDFFF)) return OTHER;
            s += 4;
            if (out != NULL && put_utf8(out, code) != DONE) return NO_MEMORY;
            continue;
        }
        default: return OTHER;
        }
        if (out != NULL && put_byte(out, plain) != DONE) return NO_MEMORY;
    }
    *p = s + 1;
    return DONE;
}

/* The JSON number at `*p`; `integer` set when it has neither a fraction nor an exponent. */
static int number(const char **p, const char *end, int *integer) {
    const char *s = *p;
    if (s < end && *s == '-') s++;
    if (s >= end) return OTHER;
    if (*s == '0') {
        s++;
    } else if (*s >= '1' && *s <= '9') {
        while (s < end && *s >= '0' && *s <= '9') s++;
    } else {
        return OTHER;
    }
    *integer = 1;
    if (s < end && *s == '.') {
        *integer = 0;
        s++;
        if (s >= end || *s < '0' || *s > '9') return OTHER;
        while (s < end && *s >= '0' && *s <= '9') s++;
    }
    if (s < end && (*s == 'e' || *s == 'E')) {
        *integer = 0;
        s++;
        if (s < end && (*s == '+' || *s == '-')) s++;
        if (s >= end || *s < '0' || *s > '9') return OTHER;
        while (s < end && *s >= '0' && *s <= '9') s++;
    }
    *p = s;
    return DONE;
}

/* Past the JSON value at `*p`, checked but not kept. */
static int skip(const char **p, const char *end, int depth) {
    const char *s = spaces(*p, end);
    int integer, status;
    if (s >= end || depth > MAX_DEPTH) return OTHER;
    if (*s == '"') {
        status = string(&s, end, NULL);
    } else if (*s == '{' || *s == '[') {
        char close = *s == '{' ? '}' : ']';
        s = spaces(s + 1, end);
        if (s < end && *s == close) {
            *p = s + 1;
            return DONE;
        }
        for (;;) {
            if (close == '}') {
                if (s >= end || *s != '"') return OTHER;
                if ((status = string(&s, end, NULL)) != DONE) return status;
                s = spaces(s, end);
                if (s >= end || *s++ != ':') return OTHER;
            }
            if ((status = skip(&s, end, depth + 1)) != DONE) return status;
            s = spaces(s, end);
            if (s < end && *s == ',') {
                s = spaces(s + 1, end);
                continue;
            }
            if (s < end && *s == close) break;
            return OTHER;
        }
        s++;
        status = DONE;
    } else if (*s == '-' || (*s >= '0' && *s <= '9')) {
        status = number(&s, end, &integer);
    } else {
        status = literal(&s, end, "true") || literal(&s, end, "false") || literal(&s, end, "null")
                     ? DONE
                     : OTHER;
    }
    if (status == DONE) *p = s;
    return status;
}

/* A null entry of `node` and, for an object, of each of its fields. */
static int put_null(node_t *nodes, node_t *node) {
    if (node->rows != NULL) return DONE; /* written with the next value, or at the end */
    if (node->kind != OBJECT) return put_entry(node, 0, 0);
    if (put_byte(&node->valid, 0) != DONE) return NO_MEMORY;
    for (int c = node->first_child; c >= 0; c = nodes[c].next_sibling)
        if (put_null(nodes, &nodes[c]) != DONE) return NO_MEMORY;
    return DONE;
}

static int value(node_t *nodes, node_t *node, const char **p, const char *end);

/* Whether DuckDB writes the JSON number [s, end) as it is: an integer but `-0`, or a decimal
 * without an exponent of at most 15 significant digits (a double has the same shortest form),
 * its fraction `0` or not ending in `0`, at least 0.0001 when not zero. */
static int as_written(const char *s, const char *end) {
    const char *digits = *s == '-' ? s + 1 : s, *point = memchr(s, '.', (size_t)(end - s));
    if (memchr(s, 'e', (size_t)(end - s)) || memchr(s, 'E', (size_t)(end - s))) return 0;
    if (point == NULL) return !(end - digits == 1 && *digits == '0' && digits != s);
    const char *fraction = point + 1;
    if (end - fraction == 1 && *fraction == '0') return end - s <= 17;
    if (end[-1] == '0') return 0;
    int significant = 0, leading = 0;
    if (point - digits == 1 && *digits == '0') {
        while (fraction + leading < end && fraction[leading] == '0') leading++;
        if (leading > 3) return 0;
        significant = (int)(end - fraction) - leading;
    } else {
        significant = (int)(point - digits) + (int)(end - fraction);
    }
    return significant <= 15;
}

/* Whether a space at an end cannot be: [s, end) is not empty and begins and ends with an ASCII
 * character that is not white space (Unicode's White_Space, as polars' `strip_chars` reads it). */
static int trimmed(const char *s, size_t size) {
    if (size == 0) return 0;
    unsigned char first = (unsigned char)s[0], last = (unsigned char)s[size - 1];
    return first > 0x20 && first < 0x80 && last > 0x20 && last < 0x80;
}

static int text(node_t *node, const char **p, const char *end) {
    const char *s = *p;
    size_t before = node->data.size;
    int status, integer;
    if (*s == '"') {
        status = string(&s, end, &node->data);
    } else if (*s == '-' || (*s >= '0' && *s <= '9')) {
        status = number(&s, end, &integer);
        if (status == DONE && !as_written(*p, s)) status = OTHER; /* DuckDB writes it its way */
        if (status == DONE) status = put(&node->data, *p, (size_t)(s - *p));
    } else if (literal(&s, end, "null")) {
        *p = s;
        return put_entry(node, 0, 0);
    } else if (literal(&s, end, "true")) {
        status = put(&node->data, "true", 4);
    } else if (literal(&s, end, "false")) {
        status = put(&node->data, "false", 5);
    } else {
        return OTHER;
    }
    if (status != DONE) return status;
    *p = s;
    size_t size = node->data.size - before;
    node->untrimmed += size == 0 || !trimmed(node->data.at + before, size);
    return put_entry(node, 1, (int32_t)size);
}

static int fields(node_t *nodes, node_t *node, const char **p, const char *end) {
    const char *s = spaces(*p + 1, end);
    uint64_t seen = 0;
    int status;
    if (put_valid(node, 1) != DONE) return NO_MEMORY;
    if (s < end && *s == '}') {
        s++;
    } else {
        for (;;) {
            if (s >= end || *s != '"') return OTHER;
            const char *key = s + 1, *key_end = key;
            while (key_end < end && *key_end != '"' && *key_end != '\\' &&
                   (unsigned char)*key_end >= 0x20)
                key_end++;
            if (key_end >= end || *key_end != '"') return OTHER; /* escapes: left to the caller */
            size_t size = (size_t)(key_end - key);
            int found = find(nodes, (int)(node - nodes), key, size);
            s = spaces(key_end + 1, end);
            if (s >= end || *s++ != ':') return OTHER;
            if (found >= 0) {
                uint64_t bit = (uint64_t)1 << nodes[found].position;
                if (seen & bit) return OTHER; /* a key given twice */
                seen |= bit;
                s = spaces(s, end);
                status = value(nodes, &nodes[found], &s, end);
            } else {
                status = skip(&s, end, 1);
            }
            if (status != DONE) return status;
            s = spaces(s, end);
            if (s < end && *s == ',') {
                s = spaces(s + 1, end);
                continue;
            }
            if (s < end && *s == '}') {
                s++;
                break;
            }
            return OTHER;
        }
    }
    for (int c = node->first_child; c >= 0; c = nodes[c].next_sibling)
        if (!(seen & ((uint64_t)1 << nodes[c].position)) && put_null(nodes, &nodes[c]) != DONE)
            return NO_MEMORY;
    *p = s;
    return DONE;
}

static int items(node_t *nodes, node_t *node, const char **p, const char *end) {
    const char *s = spaces(*p + 1, end);
    node_t *item = &nodes[node->first_child];
    int32_t count = 0;
    int status;
    if (s < end && *s == ']') {
        s++;
    } else {
        for (;;) {
            if (s >= end || *s != '{') return OTHER;
            if ((status = fields(nodes, item, &s, end)) != DONE) return status;
            count++;
            s = spaces(s, end);
            if (s < end && *s == ',') {
                s = spaces(s + 1, end);
                continue;
            }
            if (s < end && *s == ']') {
                s++;
                break;
            }
            return OTHER;
        }
    }
    *p = s;
    return put_entry(node, 1, count);
}

/* The value at `*p` (not a space) into `node`. */
static int value(node_t *nodes, node_t *node, const char **p, const char *end) {
    if (*p >= end) return OTHER;
    if (node->kind == TEXT) return text(node, p, end);
    if (literal(p, end, "null")) return put_null(nodes, node);
    if (node->kind == OBJECT) return **p == '{' ? fields(nodes, node, p, end) : OTHER;
    return **p == '[' ? items(nodes, node, p, end) : OTHER;
}

static int line(node_t *nodes, const char *s, const char *end) {
    s = spaces(s, end);
    if (s >= end || *s != '{') return OTHER;
    int status = fields(nodes, &nodes[0], &s, end);
    if (status != DONE) return status;
    return spaces(s, end) == end ? DONE : OTHER;
}

static void mark(const node_t *nodes, int count, mark_t *marks) {
    for (int i = 0; i < count; i++) {
        marks[i].valid = nodes[i].valid.size;
        marks[i].offsets = nodes[i].offsets.size;
        marks[i].data = nodes[i].data.size;
    }
}

static void back_to(node_t *nodes, int count, const mark_t *marks) {
    for (int i = 0; i < count; i++) {
        nodes[i].valid.size = marks[i].valid;
        nodes[i].offsets.size = marks[i].offsets;
        nodes[i].data.size = marks[i].data;
    }
}

/* The nodes of the shape from `kinds` (one byte each), `parents` (int32, -1 for the root) and
 * the keys `names` between `name_offsets` (int32, one more than the nodes). */
static int shape(node_t *nodes, int count, const char *kinds, const int32_t *parents,
                 const char *names, const int32_t *name_offsets, int16_t *slots) {
    int last_child[MAX_CHILDREN * 4];
    memset(nodes, 0, sizeof(node_t) * (size_t)count);
    for (int k = 0; k < SLOTS; k++) slots[k] = -1;
    for (int i = 0; i < count; i++) {
        nodes[i].kind = kinds[i];
        nodes[i].first_child = nodes[i].next_sibling = last_child[i] = -1;
        nodes[i].name = names + name_offsets[i];
        nodes[i].name_size = (size_t)(name_offsets[i + 1] - name_offsets[i]);
        int parent = nodes[i].parent = parents[i];
        nodes[i].slots = slots;
        if (i == 0 ? parent != -1 : (parent < 0 || parent >= i)) return OTHER;
        if (i == 0) continue;
        unsigned slot = slot_of(parent, nodes[i].name, nodes[i].name_size);
        while (slots[slot] >= 0) slot = (slot + 1) % SLOTS;
        slots[slot] = (int16_t)i;
        if (last_child[parent] < 0) {
            nodes[parent].first_child = i;
        } else {
            nodes[last_child[parent]].next_sibling = i;
            nodes[i].position = nodes[last_child[parent]].position + 1;
        }
        if (nodes[i].position >= MAX_CHILDREN) return OTHER;
        last_child[parent] = i;
    }
    for (int i = 0; i < count; i++) {
        int32_t zero = 0;
        if (nodes[i].kind != OBJECT && put(&nodes[i].offsets, &zero, sizeof zero) != DONE)
            return NO_MEMORY;
        if (nodes[i].kind == LIST && (nodes[i].first_child < 0 ||
                                      nodes[nodes[i].first_child].kind != OBJECT))
            return OTHER;
        if (nodes[i].kind == TEXT && nodes[i].first_child >= 0) return OTHER;
    }
    return nodes[0].kind == OBJECT ? DONE : OTHER;
}

/* Room for an entry a line in each node outside lists (their parents come first). */
static int reserve(node_t *nodes, int count, const int32_t *parents, Py_ssize_t lines,
                   const size_t *rows) {
    char *listed = calloc((size_t)count, 1);
    if (listed == NULL) return NO_MEMORY;
    int status = DONE;
    for (int i = 1; i < count && status == DONE; i++) {
        listed[i] = listed[parents[i]] || nodes[parents[i]].kind == LIST;
        if (listed[i]) continue;
        nodes[i].rows = rows;
        status = grow(&nodes[i].valid, (size_t)lines);
        if (status == DONE && nodes[i].kind != OBJECT)
            status = grow(&nodes[i].offsets, 4 * (size_t)lines);
    }
    free(listed);
    nodes[0].rows = rows;
    return status == DONE ? grow(&nodes[0].valid, (size_t)lines) : status;
}

static void release(node_t *nodes, int count) {
    for (int i = 0; i < count; i++) {
        free(nodes[i].valid.at);
        free(nodes[i].offsets.at);
        free(nodes[i].data.at);
    }
}

/* `g`'s bytes, one an entry, packed in place into an Arrow validity bitmap. */
static void pack_bits(grow_t *g) {
    unsigned char *at = (unsigned char *)g->at;
    size_t entries = g->size;
    for (size_t group = 0; group * 8 < entries; group++) {
        unsigned char bits = 0;
        for (size_t k = 0; k < 8 && group * 8 + k < entries; k++)
            if (at[group * 8 + k]) bits |= (unsigned char)(1u << k);
        at[group] = bits;
    }
    g->size = (entries + 7) / 8;
}

typedef struct {
    node_t *nodes;
    int count;
    int16_t slots[SLOTS];
} owned_t;

static void free_owned(PyObject *capsule) {
    owned_t *owned = PyCapsule_GetPointer(capsule, "balise.dcsa_columns");
    if (owned == NULL) return;
    release(owned->nodes, owned->count);
    free(owned->nodes);
    free(owned);
}

static node_t *nodes_of(PyObject *owner) {
    return ((owned_t *)PyCapsule_GetPointer(owner, "balise.dcsa_columns"))->nodes;
}

/* For each node (entries, then the address and size of its validity bitmap, offsets and text),
 * the memory owned by `capsule`. */
static PyObject *columns(const node_t *nodes, const Py_ssize_t *entries, int count) {
    PyObject *list = PyList_New(count);
    if (list == NULL) return NULL;
    for (int i = 0; i < count; i++) {
        const node_t *node = &nodes[i];
        PyObject *item = Py_BuildValue(
            "(nKnKnKn)", entries[i], (unsigned long long)(uintptr_t)node->valid.at,
            (Py_ssize_t)node->valid.size, (unsigned long long)(uintptr_t)node->offsets.at,
            (Py_ssize_t)node->offsets.size, (unsigned long long)(uintptr_t)node->data.at,
            (Py_ssize_t)node->data.size);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

/* The text of Arrow string view `view` (16 bytes: the length, then the text when it is at most
 * 12 bytes, else a prefix, the data buffer's index and the offset in it); NULL when it points
 * outside `buffers`. */
static const char *view_text(const char *view, const Py_buffer *buffers, Py_ssize_t buffer_count,
                             int32_t *size) {
    int32_t index, offset;
    memcpy(size, view, 4);
    if (*size < 0) return NULL;
    if (*size <= 12) return view + 4;
    memcpy(&index, view + 8, 4);
    memcpy(&offset, view + 12, 4);
    if (index < 0 || index >= buffer_count || offset < 0 ||
        (Py_ssize_t)offset + *size > buffers[index].len)
        return NULL;
    return (const char *)buffers[index].buf + offset;
}

static int decode_lines(node_t *nodes, int count, mark_t *marks, const char *views,
                        Py_ssize_t lines, const Py_buffer *buffers, Py_ssize_t buffer_count,
                        char *flags, size_t *rows) {
    for (Py_ssize_t i = 0; i < lines; i++) {
        int32_t size;
        const char *text_at = view_text(views + 16 * i, buffers, buffer_count, &size);
        if (text_at == NULL) return OTHER;
        mark(nodes, count, marks);
        int status = line(nodes, text_at, text_at + size);
        if (status == NO_MEMORY) return NO_MEMORY;
        flags[i] = status == DONE;
        if (status == DONE) ++*rows;
        else back_to(nodes, count, marks);
    }
    for (int k = 0; k < count; k++)
        if (nodes[k].rows != NULL && pad(&nodes[k], *rows) != DONE) return NO_MEMORY;
    return DONE;
}

/* A text node's offsets replaced by the Arrow string views of its texts (16 bytes an entry:
 * the length, then the text when it is at most 12 bytes, else its first 4 bytes, buffer 0 and
 * its offset in `data`), which polars takes without copying the texts. A null or empty text is
 * a view of zeros: those pages are never written (a column of nulls costs no memory). */
static int put_views(node_t *node, size_t entries) {
    char *views = calloc(entries ? entries : 1, 16);
    if (views == NULL) return NO_MEMORY;
    const char *offsets = node->offsets.at, *data = node->data.at;
    int32_t start, end, buffer = 0;
    memcpy(&start, offsets, 4);
    for (size_t i = 0; i < entries; i++, start = end) {
        memcpy(&end, offsets + 4 * (i + 1), 4);
        int32_t length = end - start;
        if (length == 0) continue;
        char *view = views + 16 * i;
        memcpy(view, &length, 4);
        if (length <= 12) {
            memcpy(view + 4, data + start, (size_t)length);
        } else {
            memcpy(view + 4, data + start, 4);
            memcpy(view + 8, &buffer, 4);
            memcpy(view + 12, &start, 4);
        }
    }
    free(node->offsets.at);
    node->offsets.at = views;
    node->offsets.size = node->offsets.capacity = 16 * entries;
    return DONE;
}

PyDoc_STRVAR(decode_doc,
             "decode(views, buffers, kinds, parents, names, name_offsets)\n"
             "    -> (decoded, columns, owner, untrimmed)\n\n"
             "The lines given as Arrow string views (`views`, 16 bytes a line, and the data\n"
             "`buffers` they point into) decoded into the shape's nodes (kinds: 0 text, 1 object,\n"
             "2 list; parents int32, node 0 the event). `decoded`: one byte a line, 1 decoded\n"
             "here, 0 left to the caller; `columns`: for each node over the decoded lines, its\n"
             "entries and the address and size of its validity bitmap, int32 offsets (list) or\n"
             "Arrow string views (text) and text bytes (text), memory that `owner` frees when\n"
             "it is released;\n"
             "`untrimmed`: how many texts are empty or may begin or end with a space.");

static PyObject *decode(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer views, kinds, parents, names, name_offsets;
    PyObject *buffer_list;
    if (!PyArg_ParseTuple(args, "y*O!y*y*y*y*:decode", &views, &PyTuple_Type, &buffer_list,
                          &kinds, &parents, &names, &name_offsets))
        return NULL;
    PyObject *result = NULL, *decoded = NULL, *owner = NULL;
    Py_ssize_t buffer_count = PyTuple_GET_SIZE(buffer_list), held = 0;
    Py_buffer *buffers = calloc((size_t)buffer_count + 1, sizeof(Py_buffer));
    int count = (int)kinds.len, status = DONE;
    node_t *nodes = NULL;
    mark_t *marks = NULL;
    Py_ssize_t *entries = NULL;
    owned_t *owned = NULL;
    Py_ssize_t lines = views.len / 16;
    size_t rows = 0;
    if (count < 1 || count > MAX_CHILDREN * 4 || parents.len != 4 * (Py_ssize_t)count ||
        name_offsets.len != 4 * ((Py_ssize_t)count + 1) || views.len % 16 != 0) {
        PyErr_SetString(PyExc_ValueError, "decode: inconsistent shape or views");
        goto done;
    }
    nodes = calloc((size_t)count, sizeof(node_t));
    marks = calloc((size_t)count, sizeof(mark_t));
    entries = calloc((size_t)count, sizeof(Py_ssize_t));
    owned = calloc(1, sizeof(owned_t));
    decoded = PyBytes_FromStringAndSize(NULL, lines);
    if (buffers == NULL || nodes == NULL || marks == NULL || entries == NULL || owned == NULL ||
        decoded == NULL) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    for (; held < buffer_count; held++)
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(buffer_list, held), &buffers[held],
                               PyBUF_SIMPLE) != 0)
            goto done;
    status = shape(nodes, count, kinds.buf, parents.buf, names.buf, name_offsets.buf, owned->slots);
    if (status == DONE) status = reserve(nodes, count, parents.buf, lines, &rows);
    if (status != DONE) {
        if (status == NO_MEMORY) PyErr_NoMemory();
        else PyErr_SetString(PyExc_ValueError, "decode: not a shape of objects and lists");
        goto done;
    }
    char *flags = PyBytes_AS_STRING(decoded);
    Py_BEGIN_ALLOW_THREADS
    status = decode_lines(nodes, count, marks, views.buf, lines, buffers, buffer_count, flags,
                          &rows);
    for (int i = 0; i < count && status == DONE; i++) {
        entries[i] = (Py_ssize_t)nodes[i].valid.size;
        pack_bits(&nodes[i].valid);
        if (nodes[i].kind == TEXT) status = put_views(&nodes[i], (size_t)entries[i]);
    }
    Py_END_ALLOW_THREADS
    if (status != DONE) {
        if (status == NO_MEMORY) PyErr_NoMemory();
        else PyErr_SetString(PyExc_ValueError, "decode: a view outside its buffers");
        goto done;
    }
    owned->nodes = nodes;
    owned->count = count;
    owner = PyCapsule_New(owned, "balise.dcsa_columns", free_owned);
    if (owner == NULL) goto done;
    nodes = NULL; /* the capsule frees them now */
    owned = NULL;
    PyObject *found = columns(nodes_of(owner), entries, count);
    size_t untrimmed = 0;
    for (int i = 0; i < count; i++) untrimmed += nodes_of(owner)[i].untrimmed;
    if (found != NULL) result = Py_BuildValue("(ONOn)", decoded, found, owner, (Py_ssize_t)untrimmed);
done:
    Py_XDECREF(decoded);
    Py_XDECREF(owner);
    if (nodes != NULL) release(nodes, count);
    free(nodes);
    free(owned);
    free(marks);
    free(entries);
    for (Py_ssize_t k = 0; k < held; k++) PyBuffer_Release(&buffers[k]);
    free(buffers);
    PyBuffer_Release(&views);
    PyBuffer_Release(&kinds);
    PyBuffer_Release(&parents);
    PyBuffer_Release(&names);
    PyBuffer_Release(&name_offsets);
    return result;
}

/* The Arrow string views of the lines of [data, data + size): split at each `\n`, the line
 * after the last one left out when it is empty (as Python's `str.split` and dropping the block's
 * last line end); each view points into the block (buffer 0) or holds a line of at most 12
 * bytes. `views` has room for a view a line. */
static void split_lines(const char *data, size_t size, char *views) {
    const char *at = data, *end = data + size;
    while (at < end) {
        const char *line_end = memchr(at, '\n', (size_t)(end - at));
        if (line_end == NULL) line_end = end;
        int32_t length = (int32_t)(line_end - at), offset = (int32_t)(at - data), buffer = 0;
        memset(views, 0, 16);
        memcpy(views, &length, 4);
        if (length <= 12) {
            memcpy(views + 4, at, (size_t)length);
        } else {
            memcpy(views + 4, at, 4);
            memcpy(views + 8, &buffer, 4);
            memcpy(views + 12, &offset, 4);
        }
        views += 16;
        at = line_end + 1;
    }
}

PyDoc_STRVAR(split_doc,
             "split(data) -> views\n\n"
             "The lines of the block `data` (under 2 GiB) as Arrow string views, 16 bytes a\n"
             "line, into `data` as their only data buffer: split at each newline, the empty text\n"
             "after a last newline left out.");

static PyObject *split(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*:split", &data)) return NULL;
    PyObject *views = NULL;
    if (data.len > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "split: a block of 2 GiB or more");
        goto done;
    }
    const char *at = data.buf, *end = at + data.len;
    Py_ssize_t lines = 0;
    Py_BEGIN_ALLOW_THREADS
    for (const char *p = at; p < end; lines++) {
        const char *line_end = memchr(p, '\n', (size_t)(end - p));
        p = line_end == NULL ? end : line_end + 1;
    }
    Py_END_ALLOW_THREADS
    views = PyBytes_FromStringAndSize(NULL, 16 * lines);
    if (views == NULL) goto done;
    char *out = PyBytes_AS_STRING(views);
    Py_BEGIN_ALLOW_THREADS
    split_lines(at, (size_t)data.len, out);
    Py_END_ALLOW_THREADS
done:
    PyBuffer_Release(&data);
    return views;
}

static PyMethodDef methods[] = {
    {"decode", decode, METH_VARARGS, decode_doc},
    {"split", split, METH_VARARGS, split_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_dcsa_kernel",
    "One-pass decoding of DCSA Track & Trace JSON lines (see balise.io.dcsa_kernel).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__dcsa_kernel(void) { return PyModule_Create(&module); }
