/* The segmenter's per-point matching (`balise.maritime.segment._match_points`) compiled: the
 * same open segments, look back, closing of the stalest segment and detached points, with the
 * same floating-point operations in the same order, so that every decision and every number is
 * the one the Python loop gives.
 *
 * The floats: `math.radians(x)` is `x * (pi / 180)` in CPython, `x ** 2` and `factor ** skipped`
 * are libm's `pow`, `math.sin`, `math.cos`, `math.asin` and `math.sqrt` libm's; `min` and `max`
 * keep their first argument unless the second is strictly smaller or greater. The module is
 * compiled with `-ffp-contract=off` so that no multiplication and addition are fused.
 *
 * Where the Python loop would raise (an infinite latitude, a sine of an infinite angle), the
 * kernel writes nothing and answers -1: the caller then runs the Python loop, which raises as
 * before. The loop runs without the interpreter lock.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double DEG_TO_RAD = Py_MATH_PI / 180.0;
#define MAX_RECENT ((Py_ssize_t)1 << 24) /* entries of the look-back rings, beyond: Python */

typedef struct {
    int64_t number;
    double last_hours;
    Py_ssize_t slot, head, size; /* the recent points: a ring of `lookback` entries */
} open_t;

typedef struct {
    const double *hours, *lat, *lon;
    const unsigned char *plain;
    int64_t *number;
    Py_ssize_t n;
    double max_gap, max_speed, noise, penalty, factor, radius;
    Py_ssize_t lookback, max_open;
    double *phi, *cos_phi;
    Py_ssize_t *ring, *free_slots;
    Py_ssize_t free_count;
    open_t *opened;
    Py_ssize_t open_count;
} state_t;

static inline Py_ssize_t recent_at(const state_t *s, const open_t *o, Py_ssize_t k) {
    return s->ring[o->slot * s->lookback + (o->head + k) % s->lookback];
}

static inline Py_ssize_t recent_last(const state_t *s, const open_t *o) {
    return recent_at(s, o, o->size - 1);
}

/* `segment.recent = [*segment.recent, i][-lookback:]` */
static inline void recent_push(const state_t *s, open_t *o, Py_ssize_t i) {
    if (o->size == s->lookback) {
        s->ring[o->slot * s->lookback + o->head] = i;
        o->head = (o->head + 1) % s->lookback;
    } else {
        s->ring[o->slot * s->lookback + (o->head + o->size) % s->lookback] = i;
        o->size++;
    }
}

/* `opened.pop(k)`, its ring given back */
static void close_open(state_t *s, Py_ssize_t k) {
    s->free_slots[s->free_count++] = s->opened[k].slot;
    memmove(s->opened + k, s->opened + k + 1, (size_t)(s->open_count - k - 1) * sizeof(open_t));
    s->open_count--;
}

enum { MATCHED = 1, NONE = 0, RAISES = -1 };

/* `_best_match`: the open segment (index in `opened`) point `i` joins and the points skipped */
static int best_match(const state_t *s, Py_ssize_t i, Py_ssize_t *which, Py_ssize_t *skipped) {
    const double hours_i = s->hours[i], lon_i = s->lon[i], phi_i = s->phi[i];
    const double cos_i = s->cos_phi[i];
    int found = 0;
    double best = 0.0;
    for (Py_ssize_t k = 0; k < s->open_count; k++) {
        const open_t *o = &s->opened[k];
        for (Py_ssize_t back = 0; back < o->size; back++) {
            Py_ssize_t j = recent_at(s, o, o->size - 1 - back);
            double dt = hours_i - s->hours[j];
            if (dt > s->max_gap) break;
            double dlat = phi_i - s->phi[j], dlon = (lon_i - s->lon[j]) * DEG_TO_RAD;
            double sin_lat = sin(dlat / 2.0), sin_lon = sin(dlon / 2.0);
            if (isnan(sin_lat) || isnan(sin_lon)) return RAISES; /* math.sin(inf) */
            double a = pow(sin_lat, 2.0) + s->cos_phi[j] * cos_i * pow(sin_lon, 2.0);
            double clamped = a > 0.0 ? a : 0.0;
            clamped = clamped < 1.0 ? clamped : 1.0;
            double dist = 2.0 * s->radius * asin(sqrt(clamped));
            if (dist <= s->max_speed * dt + s->noise) {
                double cost = (dist + s->penalty * dt) * pow(s->factor, (double)back);
                if (!found || cost < best) {
                    found = 1;
                    best = cost;
                    *which = k;
                    *skipped = back;
                }
                break;
            }
        }
    }
    return found ? MATCHED : NONE;
}

/* `_extend`: points `i`... up to the next step that is not plain join the only open segment */
static Py_ssize_t extend(state_t *s, Py_ssize_t i) {
    open_t *o = &s->opened[0];
    Py_ssize_t end = i;
    while (end < s->n && s->plain[end]) end++;
    for (Py_ssize_t k = i; k < end; k++) s->number[k] = o->number;
    o->last_hours = s->hours[end - 1];
    for (Py_ssize_t k = end - s->lookback > i ? end - s->lookback : i; k < end; k++)
        recent_push(s, o, k);
    return end;
}

/* The loop of `_match_points`: the number of segments opened, or RAISES */
static Py_ssize_t match_points(state_t *s) {
    const Py_ssize_t n = s->n;
    int64_t count = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (isinf(s->lat[k])) return RAISES; /* math.cos(math.radians(inf)) */
        s->phi[k] = s->lat[k] * DEG_TO_RAD;
        s->cos_phi[k] = cos(s->phi[k]);
    }
    Py_ssize_t i = 0;
    while (i < n) {
        const double now = s->hours[i];
        Py_ssize_t kept = 0;
        for (Py_ssize_t k = 0; k < s->open_count; k++) {
            if (now - s->opened[k].last_hours <= s->max_gap)
                s->opened[kept++] = s->opened[k];
            else
                s->free_slots[s->free_count++] = s->opened[k].slot;
        }
        s->open_count = kept;
        if (kept == 1 && s->plain[i] && s->opened[0].size && recent_last(s, &s->opened[0]) == i - 1) {
            i = extend(s, i);
            continue;
        }
        const int located = !isnan(s->lat[i]) && !isnan(s->lon[i]);
        Py_ssize_t which = 0, skipped = 0;
        int matched = NONE;
        if (!located) {
            matched = s->open_count ? MATCHED : NONE;
            for (Py_ssize_t k = 1; k < s->open_count; k++)
                if (s->opened[k].last_hours > s->opened[which].last_hours) which = k;
        } else {
            matched = best_match(s, i, &which, &skipped);
            if (matched == RAISES) return RAISES;
        }
        int fed = 1; /* the segment is still open (not closed at once as the stalest) */
        int64_t segment_number;
        if (matched == NONE) {
            open_t fresh = {count++, now, s->free_slots[--s->free_count], 0, 0};
            s->opened[s->open_count++] = fresh;
            which = s->open_count - 1;
            segment_number = fresh.number;
            if (s->open_count > s->max_open) {
                Py_ssize_t stalest = 0;
                for (Py_ssize_t k = 1; k < s->open_count; k++)
                    if (s->opened[k].last_hours < s->opened[stalest].last_hours) stalest = k;
                if (stalest == which) fed = 0;
                else if (stalest < which) which--;
                close_open(s, stalest);
            }
        } else {
            open_t *o = &s->opened[which];
            segment_number = o->number;
            for (Py_ssize_t back = 0; back < skipped; back++)
                s->number[recent_at(s, o, o->size - 1 - back)] = -1;
            o->size -= skipped;
        }
        s->number[i] = segment_number;
        if (fed) {
            s->opened[which].last_hours = now;
            if (located) recent_push(s, &s->opened[which], i);
        }
        i++;
    }
    return (Py_ssize_t)count;
}

PyDoc_STRVAR(match_doc,
             "match(hours, lat, lon, plain, number, max_gap_hours, max_speed_knots,\n"
             "      noise_distance_nm, penalty_knots, lookback_factor, earth_radius_nm,\n"
             "      lookback, max_open_segments, /)\n--\n\n"
             "`_match_points` of one MMSI's time-ordered points: `hours`, `lat`, `lon` float64,\n"
             "`plain` bool (one byte a point), `number` int64 filled with -1, writable, which\n"
             "gets each point's segment (-1 for detached points). The number of segments opened,\n"
             "or -1 when the Python loop would raise (then `number` is left unspecified).");

static PyObject *match(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer hours, lat, lon, plain, number;
    state_t s;
    memset(&s, 0, sizeof s);
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*ddddddnn:match", &hours, &lat, &lon, &plain, &number,
                          &s.max_gap, &s.max_speed, &s.noise, &s.penalty, &s.factor, &s.radius,
                          &s.lookback, &s.max_open))
        return NULL;
    PyObject *result = NULL;
    s.n = hours.len / (Py_ssize_t)sizeof(double);
    const Py_ssize_t n = s.n;
    if (hours.len != n * (Py_ssize_t)sizeof(double) || lat.len != hours.len ||
        lon.len != hours.len || plain.len != n || number.len != n * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError,
                        "hours, lat, lon (float64), plain (bool) and number (int64) must have one "
                        "length");
        goto done;
    }
    if (s.lookback < 1) {
        PyErr_SetString(PyExc_ValueError, "lookback must be at least 1");
        goto done;
    }
    if (n == 0) {
        result = PyLong_FromLong(0);
        goto done;
    }
    /* a segment holds at most n recent points, and at most max_open + 1 segments are open */
    if (s.lookback > n) s.lookback = n;
    Py_ssize_t slots = s.max_open < n ? (s.max_open < 1 ? 1 : s.max_open + 1) : n;
    if (slots > MAX_RECENT / s.lookback) {
        result = PyLong_FromLong(-1);
        goto done;
    }
    s.hours = hours.buf;
    s.lat = lat.buf;
    s.lon = lon.buf;
    s.plain = plain.buf;
    s.number = number.buf;
    s.phi = PyMem_RawMalloc((size_t)n * sizeof(double));
    s.cos_phi = PyMem_RawMalloc((size_t)n * sizeof(double));
    s.ring = PyMem_RawMalloc((size_t)(slots * s.lookback) * sizeof(Py_ssize_t));
    s.free_slots = PyMem_RawMalloc((size_t)slots * sizeof(Py_ssize_t));
    s.opened = PyMem_RawMalloc((size_t)slots * sizeof(open_t));
    if (!s.phi || !s.cos_phi || !s.ring || !s.free_slots || !s.opened) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < slots; k++) s.free_slots[k] = slots - 1 - k;
    s.free_count = slots;
    Py_ssize_t count;
    Py_BEGIN_ALLOW_THREADS
    count = match_points(&s);
    Py_END_ALLOW_THREADS
    result = PyLong_FromSsize_t(count);
done:
    PyMem_RawFree(s.phi);
    PyMem_RawFree(s.cos_phi);
    PyMem_RawFree(s.ring);
    PyMem_RawFree(s.free_slots);
    PyMem_RawFree(s.opened);
    PyBuffer_Release(&hours);
    PyBuffer_Release(&lat);
    PyBuffer_Release(&lon);
    PyBuffer_Release(&plain);
    PyBuffer_Release(&number);
    return result;
}

static PyMethodDef methods[] = {
    {"match", match, METH_VARARGS, match_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_segment_kernel",
    "The segmenter's per-point matching, compiled (see balise.maritime.segment).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__segment_kernel(void) { return PyModule_Create(&module); }
