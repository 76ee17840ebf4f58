from mathgym.cli import main

main()
