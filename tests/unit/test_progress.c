/* test_progress.c - cli/progress.c: the progress line's text (bytes read of
 * the total with its percentage, the rate, connections, the time left; no
 * total for an input of unknown size), and silence when standard error is
 * not a terminal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/progress.h"

static void test_format(void **state)
{
    (void)state;
    char buf[160];
    progress_format(buf, sizeof buf, 244100000, 1070000000, 1.0, 38892);
    assert_string_equal(buf, "244.1 MB of 1.1 GB (23%), 244.1 MB/s, 38892 connections, about 3 s left");
    progress_format(buf, sizeof buf, 500, 1000, 2.0, 0);
    assert_string_equal(buf, "500 B of 1.0 kB (50%), 250 B/s, 0 connections, about 2 s left");
    /* More read than the total said (a file that grew): 100%, nothing left. */
    progress_format(buf, sizeof buf, 2000, 1000, 1.0, 7);
    assert_string_equal(buf, "2.0 kB of 1.0 kB (100%), 2.0 kB/s, 7 connections, about 0 s left");
    /* Standard input: no total, no time left. */
    progress_format(buf, sizeof buf, 3500000000000, 0, 10.0, 12);
    assert_string_equal(buf, "3.5 TB, 350.0 GB/s, 12 connections");
    /* Nothing read yet, no time passed: no division by zero. */
    progress_format(buf, sizeof buf, 0, 1000, 0.0, 0);
    assert_string_equal(buf, "0 B of 1.0 kB (0%), 0 B/s, 0 connections, about 0 s left");
}

/* Not a terminal: nothing is ever written. */
static void test_silent_off_terminal(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    uint64_t conns = 5;
    const char *paths[] = { "/dev/null" };
    struct progress p;
    progress_init(&p, f, paths, 1, &conns);
    assert_false(p.on);
    progress_tick(&p);
    progress_end(&p);
    assert_int_equal(ftell(f), 0);
    fclose(f);
}

/* The total is the inputs' sizes; one of unknown size (stdin) drops it. */
static void test_total(void **state)
{
    (void)state;
    char path[] = "/tmp/test_progress_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "0123456789", 10), 10);
    close(fd);
    uint64_t conns = 0;
    struct progress p;
    const char *two[] = { path, path };
    progress_init(&p, stderr, two, 2, &conns);
    assert_int_equal(p.total, 20);
    const char *with_stdin[] = { path, "-" };
    progress_init(&p, stderr, with_stdin, 2, &conns);
    assert_int_equal(p.total, 0);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_silent_off_terminal),
        cmocka_unit_test(test_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
