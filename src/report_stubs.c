#include "cmon/report.h"
int cm_report_list(struct cm_report *r, FILE *out, char *err, size_t errlen) { (void)r; (void)out; snprintf(err, errlen, "list: not yet"); return -1; }
int cm_report_peek(struct cm_report *r, FILE *out, char *err, size_t errlen) { (void)r; (void)out; snprintf(err, errlen, "peek: not yet"); return -1; }
int cm_report_traces(struct cm_report *r, FILE *out) { (void)r; (void)out; return -1; }
