module cmon/demo

go 1.19
