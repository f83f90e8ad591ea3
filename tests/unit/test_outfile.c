/* test_outfile.c - the sensor's output file: no accidental overwrite,
 * reopening after logrotate moved the file, rotation by size and time into
 * whole-line pieces, and the command run on each closed piece. Every test
 * works in a fresh temporary directory and reads the files back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/outfile.h"

/* 2024-03-01T00:00:00Z */
#define T0 1709251200000000ull
#define SEC 1000000ull

struct dir {
    char path[64];
};

static void dir_make(struct dir *d)
{
    snprintf(d->path, sizeof d->path, "/tmp/test_outfile.XXXXXX");
    assert_non_null(mkdtemp(d->path));
}

static void dir_remove(struct dir *d)
{
    DIR *dh = opendir(d->path);
    assert_non_null(dh);
    struct dirent *e;
    char p[512];
    while ((e = readdir(dh))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", d->path, e->d_name);
        unlink(p);
    }
    closedir(dh);
    rmdir(d->path);
}

/* The whole file as a NUL-terminated string (caller frees); NULL when absent. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Names in the directory starting with `prefix`, sorted; returns the count. */
static int list(const struct dir *d, const char *prefix, char names[][128], int max)
{
    DIR *dh = opendir(d->path);
    assert_non_null(dh);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dh)) && n < max) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            snprintf(names[n++], 128, "%.120s", e->d_name);
    }
    closedir(dh);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[128];
            memcpy(t, names[j], 128);
            memcpy(names[j], names[j - 1], 128);
            memcpy(names[j - 1], t, 128);
        }
    return n;
}

static void test_create_refuses_existing_file(void **state)
{
    (void)state;
    struct dir d;
    dir_make(&d);
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/out.jsonl", d.path);
    spit(path, "kept\n");
    struct outfile_config cfg = { .path = path, .mode = OUTFILE_CREATE };
    assert_null(outfile_open(&cfg, T0, err, sizeof err));
    assert_non_null(strstr(err, "exists already"));
    assert_non_null(strstr(err, "--append"));
    char *text = slurp(path);
    assert_string_equal(text, "kept\n");
    free(text);
    dir_remove(&d);
}

/* A FIFO exists but holds nothing to keep: it is written, as /dev/null is. */
static void test_create_writes_a_fifo(void **state)
{
    (void)state;
    struct dir d;
    dir_make(&d);
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/fifo", d.path);
    assert_int_equal(mkfifo(path, 0600), 0);
    int rd = open(path, O_RDONLY | O_NONBLOCK); /* a reader, so opening for writing does not block */
    assert_true(rd >= 0);
    struct outfile_config cfg = { .path = path, .mode = OUTFILE_CREATE };
    struct outfile *o = outfile_open(&cfg, T0, err, sizeof err);
    assert_non_null(o);
    fputs("{\"a\":1}\n", outfile_stream(o));
    assert_int_equal(outfile_close(o), 0);
    char buf[32] = "";
    assert_int_equal(read(rd, buf, sizeof buf - 1), 8);
    assert_string_equal(buf, "{\"a\":1}\n");
    close(rd);
    dir_remove(&d);
}

static void test_append_and_force(void **state)
{
    (void)state;
    struct dir d;
    dir_make(&d);
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/out.jsonl", d.path);
    spit(path, "old\n");
    struct outfile_config cfg = { .path = path, .mode = OUTFILE_APPEND };
    struct outfile *o = outfile_open(&cfg, T0, err, sizeof err);
    assert_non_null(o);
    fputs("new\n", outfile_stream(o));
    assert_int_equal(outfile_close(o), 0);
    char *text = slurp(path);
    assert_string_equal(text, "old\nnew\n");
    free(text);

    cfg.mode = OUTFILE_FORCE;
    o = outfile_open(&cfg, T0, err, sizeof err);
    assert_non_null(o);
    fputs("only\n", outfile_stream(o));
    assert_int_equal(outfile_close(o), 0);
    text = slurp(path);
    assert_string_equal(text, "only\n");
    free(text);
    dir_remove(&d);
}

/* logrotate: the file is renamed, then SIGHUP asks for a reopen. Lines
 * written before the reopen stay in the moved file, later ones go to a new
 * file under the old name; none is lost, none is split. */
static void test_reopen_after_move(void **state)
{
    (void)state;
    struct dir d;
    dir_make(&d);
    char path[128], moved[160], err[256] = "";
    snprintf(path, sizeof path, "%s/out.jsonl", d.path);
    snprintf(moved, sizeof moved, "%s/out.jsonl.1", d.path);
    struct outfile_config cfg = { .path = path, .mode = OUTFILE_CREATE };
    struct outfile *o = outfile_open(&cfg, T0, err, sizeof err);
    assert_non_null(o);
    FILE *f = outfile_stream(o);
    fputs("{\"a\":1}\n", f);
    fputs("{\"a\":2}\n", f); /* still in stdio's buffer when the file moves */
    assert_int_equal(rename(path, moved), 0);
    assert_false(outfile_due(o, T0));
    outfile_request_reopen(o);
    assert_true(outfile_due(o, T0));
    assert_int_equal(outfile_tick(o, T0 + SEC, err, sizeof err), 0);
    assert_false(outfile_due(o, T0 + SEC));
    fputs("{\"a\":3}\n", f);
    assert_int_equal(outfile_close(o), 0);
    char *a = slurp(moved), *b = slurp(path);
    assert_string_equal(a, "{\"a\":1}\n{\"a\":2}\n");
    assert_string_equal(b, "{\"a\":3}\n");
    free(a);
    free(b);
    dir_remove(&d);
}

/* Size rotation: pieces of whole lines, each closed once it reached the
 * size, named by the time it was opened; together they hold every line in
 * order. */
static void test_rotate_bytes_whole_lines(void **state)
{
    (void)state;
    struct dir d;
    dir_make(&d);
    char path[128], err[256] = "";
    snprintf(path, sizeof path, "%s/out.jsonl", d.path);
    struct outfile_config cfg = { .path = path, .mode = OUTFILE_CREATE, .rotate_bytes = 1000 };
    struct outfile *o = outfile_open(&cfg, T0, err, sizeof err);
    assert_non_null(o);
    char all[8192] = "", line[64];
    for (int i = 0; i < 100; i++) {
        snprintf(line, sizeof line, "{\"line\":%03d,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n", i);
        assert_int_equal(strlen(line), 48);
        fputs(line, outfile_stream(o));
        strcat(all, line);
        assert_int_equal(outfile_tick(o, T0 + (uint64_t)i * SEC, err, sizeof err), 0);
    }
    assert_int_equal(outfile_stats(o)->rotations, 4); /* 21 lines (1008 bytes) a piece: 4 full, 1 of 16 */
    assert_int_equal(outfile_close(o), 0);
    assert_null(slurp(path)); /* with rotation on, only pieces are written */
    char names[16][128];
    int n = list(&d, "out.jsonl.", names, 16);
    assert_int_equal(n, 5);
    assert_string_equal(names[0], "out.jsonl.20240301T000000");
    assert_string_equal(names[1], "out.jsonl.20240301T000020"); /* opened at the tick after line 20 */
    char joined[8192] = "";
    for (int i = 0; i < n; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s/%.120s", d.path, names[i]);
        char *text = slurp(p);
        size_t len = strlen(text);
        assert_true(len % 48 == 0);          /* whole lines only */
        assert_true(len <= 1000 + 48);
        strcat(joined, text);
        free(text);
    }
    assert_string_equal(joined, all);
    dir_remove(&d);
}

/* Time rotation, and the command handed each closed piece: the last piece
 * too, when the run ends. An interval with no line closes no piece. */
static void test_rotate_seconds_with_command(void **state)
{
    (void)state;
    struct dir d;
    dir_make(&d);
    char path[128], cmd[256], err[256] = "";
    snprintf(path, sizeof path, "%s/out.jsonl", d.path);
    /* The piece is appended as the command's last argument: here it
     * becomes "$0" of the inner shell. */
    snprintf(cmd, sizeof cmd, "sh -c 'cp \"$0\" \"$0.shipped\"'");
    struct outfile_config cfg = { .path = path, .mode = OUTFILE_CREATE, .rotate_seconds = 60, .rotate_command = cmd };
    struct outfile *o = outfile_open(&cfg, T0, err, sizeof err);
    assert_non_null(o);
    fputs("first\n", outfile_stream(o));
    assert_int_equal(outfile_tick(o, T0 + 59 * SEC, err, sizeof err), 0);
    assert_int_equal(outfile_stats(o)->rotations, 0);
    assert_int_equal(outfile_tick(o, T0 + 60 * SEC, err, sizeof err), 0);
    assert_int_equal(outfile_stats(o)->rotations, 1);
    /* A quiet minute: nothing written, no piece closed. */
    assert_int_equal(outfile_tick(o, T0 + 121 * SEC, err, sizeof err), 0);
    assert_int_equal(outfile_stats(o)->rotations, 1);
    fputs("second\n", outfile_stream(o));
    assert_int_equal(outfile_close(o), 0); /* waits for the commands */
    char p[256];
    snprintf(p, sizeof p, "%s/out.jsonl.20240301T000000.shipped", d.path);
    char *a = slurp(p);
    assert_non_null(a);
    assert_string_equal(a, "first\n");
    free(a);
    snprintf(p, sizeof p, "%s/out.jsonl.20240301T000100.shipped", d.path);
    char *b = slurp(p);
    assert_non_null(b);
    assert_string_equal(b, "second\n");
    free(b);
    dir_remove(&d);
}

static void test_piece_name_collision(void **state)
{
    (void)state;
    struct dir d;
    dir_make(&d);
    char path[128], name[256], want[256];
    snprintf(path, sizeof path, "%s/x", d.path);
    assert_int_equal(outfile_piece_name(path, T0 + 3723 * SEC, name, sizeof name), 0);
    snprintf(want, sizeof want, "%s/x.20240301T010203", d.path);
    assert_string_equal(name, want);
    spit(name, "");
    assert_int_equal(outfile_piece_name(path, T0 + 3723 * SEC, name, sizeof name), 0);
    snprintf(want, sizeof want, "%s/x.20240301T010203.1", d.path);
    assert_string_equal(name, want);
    dir_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_refuses_existing_file),
        cmocka_unit_test(test_create_writes_a_fifo),
        cmocka_unit_test(test_append_and_force),
        cmocka_unit_test(test_reopen_after_move),
        cmocka_unit_test(test_rotate_bytes_whole_lines),
        cmocka_unit_test(test_rotate_seconds_with_command),
        cmocka_unit_test(test_piece_name_collision),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
