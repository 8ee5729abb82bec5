#include "clients/commands.h"

int main(int argc, char** argv) { return skyshard::RunCommand(argc, argv); }
