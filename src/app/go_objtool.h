/* go_objtool: -disasm's access to binaries, through Go's own object tools
 * (`go tool nm`, `go tool objdump`), which is what go tool pprof reads them
 * with (cmd/pprof's objTool), not binutils. */
#ifndef CMON_APP_GO_OBJTOOL_H
#define CMON_APP_GO_OBJTOOL_H

#include "cmon/profile/report.h"

/* The objtool that runs the go command found on PATH. ctx is unused. */
void cm_go_objtool_init(struct cm_objtool *t);

#endif
