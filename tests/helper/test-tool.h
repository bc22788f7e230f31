/*
 * test-tool.h: the commands of tests/helper/test-tool, one function each
 * (test-tool.c dispatches to them, as git's t/helper/test-tool does).
 */
#ifndef FL_TEST_TOOL_H
#define FL_TEST_TOOL_H

/* test-generate.c: synthetic central repositories for tests and the bench. */
int cmd__generate(int argc, const char **argv);

#endif
