/* The smallest useful FastCGI responder: answers {"status":"ok"} to every
 * request.  It measures what nginx and libfcgi cost on their own, so the
 * benchmarks can report Ocim's figures as a ratio to it. */
#include "config.h"

#include <fcgiapp.h>

int
main(void)
{
	static const char answer[] =
		"Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n"
		"{\"status\":\"ok\"}\n";
	FCGX_Request req;

	if (FCGX_Init() != 0)
		return 1;
	FCGX_InitRequest(&req, 0, 0);
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(answer, sizeof answer - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
