module cmon/pprofgen

go 1.19
