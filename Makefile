# The two commands of the README. Both install what a fresh Debian/Ubuntu machine lacks.
.PHONY: run test
run:
	@bash scripts/run.sh
test:
	@bash scripts/test.sh
