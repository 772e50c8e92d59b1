from tickdeck.cli import main

main()
