module cmon/profgen

go 1.19
