/* report_cli.h - the `tlsscope report` subcommand (see report/). */
#ifndef TLSSCOPE_REPORT_CLI_H
#define TLSSCOPE_REPORT_CLI_H

/* argv[0] is "report"; returns the exit status. */
int report_main(int argc, char **argv);

#endif
